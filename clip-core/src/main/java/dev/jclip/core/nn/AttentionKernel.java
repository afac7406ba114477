package dev.jclip.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * The attention core softmax(scale q k^T + mask) v, fused, on the CPU. It reads q, k and v straight from the packed
 * in-projection output [B*T, 3D] and writes the context with the heads already merged, [B*T, D]; backward reads the
 * context gradient [B*T, D] and writes the packed gradient [B*T, 3D]. Work is split by batch element: its T rows of
 * q|k|v and its H probability blocks are copied in with one bulk read each, stay in cache while every head is
 * processed, and go out with one bulk write; elements touch disjoint rows, so they run on {@link KernelThreads}
 * without locks. Every product is a dot product or a register-accumulated weighted row sum
 * ({@link FloatLoops#combineRows}). This replaces six batched ND4J matrix products (about 5 GFLOP/s on CLIP's small
 * heads), the head split/merge copies and the softmax passes.
 */
final class AttentionKernel {
    private final int batch, t, heads, hd, width;
    private final float scale;
    private final boolean causal;

    AttentionKernel(int batch, int t, int heads, int hd, float scale, boolean causal) {
        this.batch = batch;
        this.t = t;
        this.heads = heads;
        this.hd = hd;
        this.width = heads * hd;
        this.scale = scale;
        this.causal = causal;
    }

    /** Keys visible to query i: all, or 0..i under the causal mask. */
    private int visible(int i) {
        return causal ? i + 1 : t;
    }

    /** First query that sees key j: 0, or j under the causal mask. */
    private int firstQuery(int j) {
        return causal ? j : 0;
    }

    /** Batch elements per thread share: enough for about 64k multiply-adds. */
    private int grain() {
        return Math.max(1, 65_536 / Math.max(1, heads * t * t * hd));
    }

    /**
     * @param qkv     [B*T, 3D] packed projections (q | k | v, head-major within each)
     * @param probs   [B*H, T, T] output: attention probabilities (kept for backward; masked entries 0)
     * @param context [B*T, D] output: probabilities times values, heads merged
     */
    void forward(INDArray qkv, INDArray probs, INDArray context) {
        FloatBuffer in = CpuKernels.buffer(qkv), pb = CpuKernels.buffer(probs), out = CpuKernels.buffer(context);
        int inOff = (int) qkv.offset(), pOff = (int) probs.offset(), outOff = (int) context.offset();
        FloatLoops loops = CpuKernels.LOOPS;
        int w3 = 3 * width, tt = t * t;
        KernelThreads.parallelFor(batch, grain(), (first, end) -> {
            float[] x = CpuKernels.scratch(0, t * w3), p = CpuKernels.scratch(1, heads * tt);
            float[] ctx = CpuKernels.scratch(2, t * width);
            for (int b = first; b < end; b++) {
                in.get(inOff + b * t * w3, x, 0, t * w3);
                for (int h = 0; h < heads; h++) {
                    int q = h * hd, k = width + h * hd, v = 2 * width + h * hd, ph = h * tt;
                    for (int i = 0; i < t; i++) {
                        int row = ph + i * t, vis = visible(i);
                        for (int j = 0; j < vis; j++) p[row + j] = scale * loops.dot(x, i * w3 + q, x, j * w3 + k, hd);
                        float max = loops.max(p, row, vis);
                        loops.scale(p, row, vis, 1f / loops.expShifted(p, row, vis, max));
                        java.util.Arrays.fill(p, row + vis, row + t, 0f);
                        loops.combineRows(p, row, 1, vis, x, v, w3, hd, ctx, i * width + h * hd);
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
        FloatLoops loops = CpuKernels.LOOPS;
        int w3 = 3 * width, tt = t * t;
        KernelThreads.parallelFor(batch, grain(), (first, end) -> {
            float[] x = CpuKernels.scratch(0, t * w3), p = CpuKernels.scratch(1, heads * tt);
            float[] dc = CpuKernels.scratch(2, t * width), dx = CpuKernels.scratch(3, t * w3);
            float[] ds = CpuKernels.scratch(4, tt);
            for (int b = first; b < end; b++) {
                in.get(inOff + b * t * w3, x, 0, t * w3);
                pb.get(pOff + b * heads * tt, p, 0, heads * tt);
                dcb.get(dcOff + b * t * width, dc, 0, t * width);
                for (int h = 0; h < heads; h++) {
                    int q = h * hd, k = width + h * hd, v = 2 * width + h * hd, ph = h * tt, c = h * hd;
                    for (int i = 0; i < t; i++) {
                        int row = i * t, vis = visible(i);
                        // dP_ij = dc_i . v_j; softmax backward dS_ij = P_ij (dP_ij - sum_j P_ij dP_ij); scores were scale q.k
                        float rowDot = 0;
                        for (int j = 0; j < vis; j++) {
                            float dp = loops.dot(dc, i * width + c, x, j * w3 + v, hd);
                            ds[row + j] = dp;
                            rowDot += p[ph + row + j] * dp;
                        }
                        for (int j = 0; j < vis; j++) ds[row + j] = scale * p[ph + row + j] * (ds[row + j] - rowDot);
                        java.util.Arrays.fill(ds, row + vis, row + t, 0f);
                        loops.combineRows(ds, row, 1, vis, x, k, w3, hd, dx, i * w3 + q);   // dq_i = sum_j dS_ij k_j
                    }
                    for (int j = 0; j < t; j++) {
                        int i0 = firstQuery(j), n = t - i0;
                        // columns of dS and P: dk_j = sum_i dS_ij q_i, dv_j = sum_i P_ij dc_i
                        loops.combineRows(ds, i0 * t + j, t, n, x, i0 * w3 + q, w3, hd, dx, j * w3 + k);
                        loops.combineRows(p, ph + i0 * t + j, t, n, dc, i0 * width + c, width, hd, dx, j * w3 + v);
                    }
                }
                out.put(outOff + b * t * w3, dx, 0, t * w3);
            }
        });
    }
}
