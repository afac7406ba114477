package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * The attention core softmax(scale q k^T + mask) v, fused, on the CPU. It reads q, k and v straight from the packed
 * in-projection output [B*T, 3D] and writes the context with the heads already merged, [B*T, D]; backward reads the
 * context gradient [B*T, D] and writes the packed gradient [B*T, 3D]. Work is split by batch element: its T rows of
 * q|k|v and its H probability blocks are copied in with one bulk read each, stay in cache while every head is
 * processed, and go out with one bulk write; elements touch disjoint rows, so they run on {@link KernelThreads}
 * without locks.
 *
 * <p>Every product is a register-blocked small matrix product ({@link FloatLoops#product}): the scores q k^T read a
 * copy of the head's k transposed into scratch, so that each score is a chain of fused multiply-adds down a column
 * (no horizontal sum per dot product); P v, dS k, and (with dS and P transposed into scratch) dS^T q and P^T dC
 * combine rows of q, k, v and dC directly; dP = dC v^T reads v transposed. Under the causal mask rows go in blocks
 * of {@link #BLOCK}: a block's products run over the keys (or queries) its last (first) row sees, the others' extra
 * terms being the mask's exact zeros. This replaces six batched ND4J matrix products (about 5 GFLOP/s on CLIP's
 * small heads), the head split/merge copies and the softmax passes.
 */
final class AttentionKernel {
    /** Rows of a block of queries (or keys) that share the range of a product under the causal mask. */
    static final int BLOCK = 4;

    private final int batch, t, heads, hd, width;
    private final float scale;
    private final boolean causal;
    private final FloatLoops loops;

    AttentionKernel(int batch, int t, int heads, int hd, float scale, boolean causal) {
        this(batch, t, heads, hd, scale, causal, CpuKernels.LOOPS);
    }

    /** With the given loops (the tests compare the scalar and vector versions bit for bit). */
    AttentionKernel(int batch, int t, int heads, int hd, float scale, boolean causal, FloatLoops loops) {
        this.batch = batch;
        this.t = t;
        this.heads = heads;
        this.hd = hd;
        this.width = heads * hd;
        this.scale = scale;
        this.causal = causal;
        this.loops = loops;
    }

    /** Keys visible to query i: all, or 0..i under the causal mask. */
    private int visible(int i) {
        return causal ? i + 1 : t;
    }

    /** First query that sees key j: 0, or j under the causal mask. */
    private int firstQuery(int j) {
        return causal ? j : 0;
    }

    /**
     * Score columns a block of queries computes: the keys its last row sees, rounded up to a multiple of 16 (at most
     * T), so that the products run on whole vectors; the extra scores are masked (overwritten with 0) like the rest.
     */
    private int scoreColumns(int keys) {
        return Math.min(t, (keys + 15) & ~15);
    }

    /** Batch elements per thread share: enough for about 64k multiply-adds. */
    private int grain() {
        return Math.max(1, 65_536 / Math.max(1, heads * t * t * hd));
    }

    /** to[c * t + r] = from[fo + r * stride + c] for r < t, c < cols: the transpose of t rows of cols. */
    private void transpose(float[] from, int fo, int stride, int cols, float[] to) {
        for (int r = 0; r < t; r++) {
            int f = fo + r * stride;
            for (int c = 0; c < cols; c++) to[c * t + r] = from[f + c];
        }
    }

    /**
     * @param qkv     [B*T, 3D] packed projections (q | k | v, head-major within each)
     * @param probs   [B*H, T, T] output: attention probabilities (kept for backward; masked entries 0)
     * @param context [B*T, D] output: probabilities times values, heads merged
     */
    void forward(INDArray qkv, INDArray probs, INDArray context) {
        FloatBuffer in = CpuKernels.buffer(qkv), pb = CpuKernels.buffer(probs), out = CpuKernels.buffer(context);
        int inOff = (int) qkv.offset(), pOff = (int) probs.offset(), outOff = (int) context.offset();
        int w3 = 3 * width, tt = t * t;
        KernelThreads.parallelFor(batch, grain(), (first, end) -> {
            float[] x = CpuKernels.scratch(0, t * w3), p = CpuKernels.scratch(1, heads * tt);
            float[] ctx = CpuKernels.scratch(2, t * width), kT = CpuKernels.scratch(3, hd * t);
            for (int b = first; b < end; b++) {
                in.get(inOff + b * t * w3, x, 0, t * w3);
                for (int h = 0; h < heads; h++) {
                    int q = h * hd, k = width + h * hd, v = 2 * width + h * hd, ph = h * tt;
                    transpose(x, k, w3, hd, kT);
                    for (int i0 = 0; i0 < t; i0 += BLOCK) {
                        int m = Math.min(BLOCK, t - i0), keys = visible(i0 + m - 1);
                        loops.product(x, i0 * w3 + q, w3, kT, 0, t, m, hd, scoreColumns(keys), p, ph + i0 * t, t);
                        for (int i = i0; i < i0 + m; i++) {
                            int row = ph + i * t, vis = visible(i);
                            loops.scale(p, row, vis, scale);
                            float max = loops.max(p, row, vis);
                            loops.scale(p, row, vis, 1f / loops.expShifted(p, row, vis, max));
                            java.util.Arrays.fill(p, row + vis, row + t, 0f);
                        }
                        loops.product(p, ph + i0 * t, t, x, v, w3, m, keys, hd, ctx, i0 * width + h * hd, width);
                    }
                }
                pb.put(pOff + b * heads * tt, p, 0, heads * tt);
                out.put(outOff + b * t * width, ctx, 0, t * width);
            }
        });
    }

    /**
     * @param qkv      the forward's input [B*T, 3D]
     * @param probs    the forward's probabilities [B*H, T, T]
     * @param dContext gradient of the context [B*T, D]
     * @param dQkv     [B*T, 3D] output: gradient of the packed projections
     */
    void backward(INDArray qkv, INDArray probs, INDArray dContext, INDArray dQkv) {
        FloatBuffer in = CpuKernels.buffer(qkv), pb = CpuKernels.buffer(probs), dcb = CpuKernels.buffer(dContext);
        FloatBuffer out = CpuKernels.buffer(dQkv);
        int inOff = (int) qkv.offset(), pOff = (int) probs.offset(), dcOff = (int) dContext.offset(), outOff = (int) dQkv.offset();
        int w3 = 3 * width, tt = t * t;
        KernelThreads.parallelFor(batch, grain(), (first, end) -> {
            float[] x = CpuKernels.scratch(0, t * w3), p = CpuKernels.scratch(1, heads * tt);
            float[] dc = CpuKernels.scratch(2, t * width), dx = CpuKernels.scratch(3, t * w3);
            float[] ds = CpuKernels.scratch(4, tt), vT = CpuKernels.scratch(5, hd * t);
            float[] dsT = CpuKernels.scratch(6, tt), pT = CpuKernels.scratch(7, tt);
            for (int b = first; b < end; b++) {
                in.get(inOff + b * t * w3, x, 0, t * w3);
                pb.get(pOff + b * heads * tt, p, 0, heads * tt);
                dcb.get(dcOff + b * t * width, dc, 0, t * width);
                for (int h = 0; h < heads; h++) {
                    int q = h * hd, k = width + h * hd, v = 2 * width + h * hd, ph = h * tt, c = h * hd;
                    transpose(x, v, w3, hd, vT);
                    for (int i0 = 0; i0 < t; i0 += BLOCK) {
                        int m = Math.min(BLOCK, t - i0), keys = visible(i0 + m - 1);
                        // dP = dC v^T; softmax backward dS_ij = scale P_ij (dP_ij - sum_j P_ij dP_ij); scores were scale q.k
                        loops.product(dc, i0 * width + c, width, vT, 0, t, m, hd, scoreColumns(keys), ds, i0 * t, t);
                        for (int i = i0; i < i0 + m; i++) {
                            int row = i * t, vis = visible(i);
                            float rowDot = 0;
                            for (int j = 0; j < vis; j++) rowDot += p[ph + row + j] * ds[row + j];
                            for (int j = 0; j < vis; j++) ds[row + j] = scale * p[ph + row + j] * (ds[row + j] - rowDot);
                            java.util.Arrays.fill(ds, row + vis, row + t, 0f);
                        }
                        loops.product(ds, i0 * t, t, x, k, w3, m, keys, hd, dx, i0 * w3 + q, w3);   // dQ = dS K
                    }
                    transpose(ds, 0, t, t, dsT);
                    transpose(p, ph, t, t, pT);
                    for (int j0 = 0; j0 < t; j0 += BLOCK) {
                        int m = Math.min(BLOCK, t - j0), i0 = firstQuery(j0), n = t - i0;
                        // dK = dS^T Q, dV = P^T dC: rows of the transposed blocks combine rows of q and dc
                        loops.product(dsT, j0 * t + i0, t, x, i0 * w3 + q, w3, m, n, hd, dx, j0 * w3 + k, w3);
                        loops.product(pT, j0 * t + i0, t, dc, i0 * width + c, width, m, n, hd, dx, j0 * w3 + v, w3);
                    }
                }
                out.put(outOff + b * t * w3, dx, 0, t * w3);
            }
        });
    }
}
