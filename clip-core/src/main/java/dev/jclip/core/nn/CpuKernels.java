package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * Fused CPU kernels for the work around the matrix products: LayerNorm, QuickGELU, BatchNorm, ReLU, bias rows and
 * bias gradients, the ViT patch cut, the token-embedding scatter and AdamW (the attention core is
 * {@link AttentionKernel}). Each replaces several ND4J ops, each a JNI call and a full pass over memory. Rows are split
 * over {@link KernelThreads}; each share copies its rows from ND4J's off-heap buffer into a thread-local array, runs
 * the {@link FloatLoops} over them and copies the result back. Results do not depend on the number of threads: a
 * share computes whole rows (or whole elements), and sums over rows use a fixed partition ({@link #CHUNK_ROWS}). The layers keep an
 * all-ND4J-op path (used on the CUDA backend, for non-float types, and with {@code -Djclip.kernels=nd4j}); tests
 * check the two against each other.
 */
public final class CpuKernels {
    private static final boolean ENABLED = !"nd4j".equals(System.getProperty("jclip.kernels"))
            && Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");
    /** Elements per thread share below which splitting costs more than it saves. */
    static final int GRAIN = 16_384;

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[8][0]);
    static final FloatLoops LOOPS = FloatLoops.INSTANCE;

    private CpuKernels() {
    }

    /** True when the fused kernels can handle these arrays (CPU backend, float32, dense C order). */
    public static boolean applies(INDArray... arrays) {
        if (!ENABLED) return false;
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || !denseRowMajor(a)) return false;
        }
        return true;
    }

    /**
     * Whether the elements lie in C order one after another from {@code a.offset()}. The strides of axes of size 1
     * are ignored: ND4J gives them values other than C order's (so {@code Shape.hasDefaultStridesForShape} said no
     * for a 1x1 convolution's [out, in, 1, 1] weight, and its gradient norm went to ND4J's thread-dependent
     * {@code norm2}).
     */
    static boolean denseRowMajor(INDArray a) {
        long[] shape = a.shape(), stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Runs the kernels on n threads (n &lt;= 0: as many as ND4J uses); results do not depend on it. */
    public static void setThreads(int n) {
        KernelThreads.configure(n);
    }

    /** The process's kernel thread count ({@link #setThreads}, else ND4J's). */
    public static int threads() {
        return KernelThreads.total();
    }

    /**
     * Runs {@code body} with the calling thread's kernels on {@code n} threads (at least one), then restores its
     * count: two passes sharing the cores each take their part. Results do not depend on it.
     */
    public static <T> T runWithThreads(int n, java.util.function.Supplier<T> body) {
        return KernelThreads.runWith(n, body);
    }

    /** Whether the fused Java kernels run ("fused") or every layer uses ND4J ops ("nd4j": CUDA, -Djclip.kernels=nd4j). */
    public static String kernels() {
        return ENABLED ? "fused" : "nd4j";
    }

    /** Which inner loops run: "vector" (the JDK's Vector API) or "scalar". */
    public static String loops() {
        return LOOPS instanceof ScalarFloatLoops ? "scalar" : "vector";
    }

    /**
     * Floats per piece of a thread's share that the row-wise and element-wise kernels copy into their work arrays
     * and back: 64 kB per array, so three of them stay in the L2 cache, and the work arrays stay that small. Copying
     * whole shares made them as large as the largest activation over the thread count (RN50 b8: 26 MB per array at
     * one thread, on the Java heap of every kernel thread).
     */
    static final int PIECE = 16_384;

    /**
     * {@link KernelThreads#parallelFor} over n items of {@code width} floats each (rows of a matrix; 1 for elements),
     * each share handed to {@code body} in pieces of at most {@link #PIECE} floats (at least one item). For kernels
     * whose items are computed independently: pieces change no result.
     */
    private static void inPieces(int n, int width, KernelThreads.Range body) {
        int perPiece = Math.max(1, PIECE / width);
        KernelThreads.parallelFor(n, Math.max(1, GRAIN / width), (from, to) -> {
            for (int p = from; p < to; p += perPiece) body.run(p, Math.min(to, p + perPiece));
        });
    }

    /** A thread-local work array of at least n floats (contents undefined). */
    static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) s[slot] = new float[Math.max(n, s[slot].length * 3 / 2)];
        return s[slot];
    }

    /** The array's float view; element i of the (dense) array is at index {@code a.offset() + i}. */
    static FloatBuffer buffer(INDArray a) {
        return a.data().asNioFloat();
    }

    static float[] readAll(INDArray a) {
        float[] out = new float[(int) a.length()];
        buffer(a).get((int) a.offset(), out, 0, out.length);
        return out;
    }

    /**
     * LayerNorm forward: y = (x - mean) * rstd * g + b per row. Writes y, the normalised input (for backward)
     * and the per-row rstd.
     */
    static void layerNormForward(INDArray x, INDArray gain, INDArray bias, double eps, INDArray y, INDArray xhat, float[] rstd) {
        int n = (int) x.rows(), d = (int) x.columns();
        float[] g = readAll(gain), b = readAll(bias);
        FloatBuffer xb = buffer(x), yb = buffer(y), hb = buffer(xhat);
        int xo = (int) x.offset(), yo = (int) y.offset(), ho = (int) xhat.offset();
        inPieces(n, d, (from, to) -> {
            int len = (to - from) * d;
            float[] xs = scratch(0, len), ys = scratch(1, len), hs = scratch(2, len);
            xb.get(xo + from * d, xs, 0, len);
            for (int r = 0; r < to - from; r++) {
                int o = r * d;
                float mean = LOOPS.sum(xs, o, d) / d;
                float rs = (float) (1.0 / Math.sqrt(LOOPS.squaredDeviation(xs, o, d, mean) / d + eps));
                rstd[from + r] = rs;
                LOOPS.normalise(xs, o, d, mean, rs, g, b, hs, ys);
            }
            yb.put(yo + from * d, ys, 0, len);
            hb.put(ho + from * d, hs, 0, len);
        });
    }

    /**
     * LayerNorm backward: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g;
     * accumulates dg += sum(dy * xhat) and db += sum(dy) over rows (when the gradients are given).
     */
    static void layerNormBackward(INDArray dy, INDArray xhat, float[] rstd, INDArray gain, INDArray dGain, INDArray dBias, INDArray dx) {
        int d = (int) dy.columns();
        float[] g = readAll(gain);
        FloatBuffer dxb = buffer(dx);
        int dxo = (int) dx.offset();
        double[][] sums = columnSums(dy, xhat, 2, (from, to, acc, dys, hs) -> {
            for (int r = 0; r < to - from; r++) {
                int o = r * d;
                float m1 = LOOPS.dot(dys, o, g, 0, d) / d;
                float m2 = LOOPS.dotScaled(dys, o, g, hs, d) / d;
                LOOPS.layerNormGrad(dys, hs, o, d, g, m1, m2, rstd[from + r], dys, acc[0], acc[1]);   // dx over dy
            }
            dxb.put(dxo + from * d, dys, 0, (to - from) * d);
        });
        if (dGain != null) {
            addInto(dGain, sums[0]);
            addInto(dBias, sums[1]);
        }
    }

    /** acc += add, elementwise over acc's (dense) elements. */
    private static void addInto(INDArray acc, double[] add) {
        FloatBuffer b = buffer(acc);
        int off = (int) acc.offset();
        for (int i = 0; i < add.length; i++) b.put(off + i, (float) (b.get(off + i) + add[i]));
    }

    /** QuickGELU forward y = x * s(1.702 x). */
    static void quickGeluForward(INDArray x, INDArray y) {
        FloatBuffer xb = buffer(x), yb = buffer(y);
        int xo = (int) x.offset(), yo = (int) y.offset();
        inPieces((int) x.length(), 1, (from, to) -> {
            int len = to - from;
            float[] xs = scratch(0, len), ys = scratch(1, len);
            xb.get(xo + from, xs, 0, len);
            LOOPS.quickGelu(xs, ys, len);
            yb.put(yo + from, ys, 0, len);
        });
    }

    /**
     * QuickGELU backward dx = dy * (s + 1.702 x s (1 - s)), recomputing s from x: with a vectorised exp that costs
     * less than keeping s, an MLP-wide activation per block, for the backward pass.
     */
    static void quickGeluBackward(INDArray dy, INDArray x, INDArray dx) {
        elementwise(dy, x, dx, LOOPS::quickGeluGrad);
    }

    /** A loop over slices of two inputs and an output ({@link FloatLoops#quickGeluGrad}, {@link FloatLoops#reluGrad}). */
    @FunctionalInterface
    private interface BinaryLoop {
        void apply(float[] a, float[] b, float[] out, int n);
    }

    /** out = loop(a, b) over dense arrays of one length, in slices cut over the kernel threads. */
    private static void elementwise(INDArray a, INDArray b, INDArray out, BinaryLoop loop) {
        FloatBuffer ab = buffer(a), bb = buffer(b), outb = buffer(out);
        int ao = (int) a.offset(), bo = (int) b.offset(), outo = (int) out.offset();
        inPieces((int) a.length(), 1, (from, to) -> {
            int len = to - from;
            float[] as = scratch(0, len), bs = scratch(1, len), outs = scratch(2, len);
            ab.get(ao + from, as, 0, len);
            bb.get(bo + from, bs, 0, len);
            loop.apply(as, bs, outs, len);
            outb.put(outo + from, outs, 0, len);
        });
    }

    /**
     * One AdamW update of flat float parameters, in one pass over p, g, m and v (ND4J needed a dozen whole-model
     * ops and three model-sized scratch arrays). The flat arrays are cut into parameters by {@code ends} (exclusive
     * end offsets, ascending); parameter s decays by {@code keep[s]} (1 - lr wd, or 1) and is skipped when
     * {@code frozen[s]}.
     */
    public static void adamW(INDArray p, INDArray g, INDArray m, INDArray v, long[] ends, float[] keep, boolean[] frozen,
                             float b1, float b2, float stepSize, float bc2Sqrt, float eps) {
        int n = (int) p.length();
        FloatBuffer pb = buffer(p), gb = buffer(g), mb = buffer(m), vb = buffer(v);
        int po = (int) p.offset(), go = (int) g.offset(), mo = (int) m.offset(), vo = (int) v.offset();
        int chunk = 8192;
        KernelThreads.parallelFor((n + chunk - 1) / chunk, 8, (first, end) -> {
            float[] ps = scratch(0, chunk), gs = scratch(1, chunk), ms = scratch(2, chunk), vs = scratch(3, chunk);
            int seg = segmentOf(ends, (long) first * chunk);
            for (int c = first; c < end; c++) {
                int from = c * chunk, len = Math.min(chunk, n - from);
                pb.get(po + from, ps, 0, len);
                gb.get(go + from, gs, 0, len);
                mb.get(mo + from, ms, 0, len);
                vb.get(vo + from, vs, 0, len);
                int i = 0;
                while (i < len) {
                    while (ends[seg] <= from + i) seg++;
                    int run = (int) Math.min(len - i, ends[seg] - from - i);
                    if (!frozen[seg]) LOOPS.adamW(ps, gs, ms, vs, i, run, keep[seg], b1, b2, stepSize, bc2Sqrt, eps);
                    i += run;
                }
                pb.put(po + from, ps, 0, len);
                mb.put(mo + from, ms, 0, len);
                vb.put(vo + from, vs, 0, len);
            }
        });
    }

    private static int segmentOf(long[] ends, long index) {
        int s = java.util.Arrays.binarySearch(ends, index);
        return s >= 0 ? s + 1 : -s - 1;
    }

    /**
     * table[ids[i]] += updates[i] for rows [N, D] into [V, D]. Each index's rows are summed in double in input order
     * and added once, so the result is the same on every run (ND4J's float scatter_add with duplicate indices is not).
     */
    static void addRows(INDArray table, long[] ids, INDArray updates) {
        int d = (int) updates.columns();
        long rows = table.rows();
        float[] u = readAll(updates);
        java.util.Map<Long, double[]> sums = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= rows) {
                throw new IllegalArgumentException("row index " + ids[i] + " outside [0, " + rows + ")");
            }
            double[] s = sums.computeIfAbsent(ids[i], k -> new double[d]);
            for (int j = 0; j < d; j++) s[j] += u[i * d + j];
        }
        FloatBuffer tb = buffer(table);
        int to = (int) table.offset();
        float[] row = new float[d];
        for (java.util.Map.Entry<Long, double[]> e : sums.entrySet()) {
            int at = to + (int) (e.getKey() * d);
            tb.get(at, row, 0, d);
            double[] s = e.getValue();
            for (int j = 0; j < d; j++) row[j] = (float) (row[j] + s[j]);
            tb.put(at, row, 0, d);
        }
    }

    /**
     * Cuts images [B, C, S, S] into patches [B * (S/p)^2, C * p * p], rows in raster order of the patch grid and each
     * row ordered (channel, y, x) like a convolution weight [width, C, p, p] flattened.
     */
    public static void patchify(INDArray images, int patch, INDArray out) {
        int batch = (int) images.size(0), ch = (int) images.size(1), size = (int) images.size(2), grid = size / patch;
        int image = ch * size * size;
        FloatBuffer ib = buffer(images), ob = buffer(out);
        int io = (int) images.offset(), oo = (int) out.offset();
        KernelThreads.parallelFor(batch, Math.max(1, GRAIN / image), (first, end) -> {
            float[] src = scratch(0, image), dst = scratch(1, image);
            for (int b = first; b < end; b++) {
                ib.get(io + b * image, src, 0, image);
                int k = 0;
                for (int gy = 0; gy < grid; gy++) {
                    for (int gx = 0; gx < grid; gx++) {
                        for (int c = 0; c < ch; c++) {
                            for (int py = 0; py < patch; py++) {
                                System.arraycopy(src, (c * size + gy * patch + py) * size + gx * patch, dst, k, patch);
                                k += patch;
                            }
                        }
                    }
                }
                ob.put(oo + b * image, dst, 0, image);
            }
        });
    }

    /**
     * Adds a block of rows [from, to) of [n, c] data into float column accumulators acc[0..k); {@code rows0} and
     * {@code rows1} hold the block's rows of the two matrices summed over, from their start (work arrays of at least
     * BLOCK_ROWS * c floats, fetched once per thread share: a thread-local lookup per block was 6% of a ResNet step;
     * the block may overwrite them).
     */
    private interface ColumnBlock {
        void add(int from, int to, float[][] acc, float[] rows0, float[] rows1);
    }

    private static final int BLOCK_ROWS = 32;

    /** Rows per chunk of a column sum: a fixed partition, so the sums do not depend on the thread count. */
    static final int CHUNK_ROWS = 1024;

    /**
     * k per-column sums over the rows of an [n, c] matrix {@code x}: each block of its rows is read into the first
     * work array for {@code block}, and the same rows of {@code y} (of x's shape, or null) into the second. The rows
     * are cut into chunks of {@link #CHUNK_ROWS} whatever the number of threads; within a chunk 32-row blocks are
     * added into float accumulators and those, in order, into double; the chunks' double sums are added in chunk
     * order. Threads take whole chunks.
     */
    private static double[][] columnSums(INDArray x, INDArray y, int k, ColumnBlock block) {
        int n = (int) x.rows(), c = (int) x.columns();
        FloatBuffer xb = buffer(x), yb = y == null ? null : buffer(y);
        int xo = (int) x.offset(), yo = y == null ? 0 : (int) y.offset();
        int chunks = Math.max(1, (n + CHUNK_ROWS - 1) / CHUNK_ROWS);
        double[][][] partial = new double[chunks][k][c];
        KernelThreads.parallelFor(chunks, Math.max(1, GRAIN / (CHUNK_ROWS * c)), (firstChunk, endChunk) -> {
            float[][] acc = new float[k][c];
            float[] work0 = scratch(0, BLOCK_ROWS * c), work1 = scratch(1, BLOCK_ROWS * c);
            for (int chunk = firstChunk; chunk < endChunk; chunk++) {
                int from = chunk * CHUNK_ROWS, to = Math.min(n, from + CHUNK_ROWS);
                for (int r = from; r < to; r += BLOCK_ROWS) {
                    int end = Math.min(to, r + BLOCK_ROWS);
                    xb.get(xo + r * c, work0, 0, (end - r) * c);
                    if (yb != null) yb.get(yo + r * c, work1, 0, (end - r) * c);
                    for (float[] a : acc) java.util.Arrays.fill(a, 0f);
                    block.add(r, end, acc, work0, work1);
                    for (int q = 0; q < k; q++) {
                        for (int i = 0; i < c; i++) partial[chunk][q][i] += acc[q][i];
                    }
                }
            }
        });
        double[][] total = new double[k][c];
        for (double[][] p : partial) {
            for (int q = 0; q < k; q++) for (int i = 0; i < c; i++) total[q][i] += p[q][i];
        }
        return total;
    }

    /**
     * BatchNorm training forward on channels-last rows x [n, c]: batch mean and biased variance per channel (two
     * passes, so the variance has no cancellation), then xhat = (x - mean) rstd and y = xhat g + b. Returns
     * {mean, var} in double for the running statistics; writes rstd.
     */
    static double[][] batchNormForward(INDArray x, INDArray gain, INDArray bias, double eps, INDArray xhat, INDArray y, float[] rstd) {
        int n = (int) x.rows(), c = (int) x.columns();
        FloatBuffer xb = buffer(x);
        int xo = (int) x.offset();
        double[] mean = columnSum(x);
        float[] meanF = new float[c];
        for (int i = 0; i < c; i++) meanF[i] = (float) (mean[i] /= n);
        double[] var = columnSums(x, null, 1, (from, to, acc, xs, unused) -> {
            for (int r = 0; r < to - from; r++) LOOPS.addSquaredDeviationInto(xs, r * c, meanF, acc[0], c);
        })[0];
        for (int i = 0; i < c; i++) {
            var[i] /= n;
            rstd[i] = (float) (1.0 / Math.sqrt(var[i] + eps));
        }
        float[] g = readAll(gain), b = readAll(bias);
        FloatBuffer hb = buffer(xhat), yb = buffer(y);
        int ho = (int) xhat.offset(), yo = (int) y.offset();
        inPieces(n, c, (from, to) -> {
            int len = (to - from) * c;
            float[] xs = scratch(0, len), hs = scratch(1, len), ys = scratch(2, len);
            xb.get(xo + from * c, xs, 0, len);
            for (int r = 0; r < to - from; r++) LOOPS.normaliseChannels(xs, r * c, c, meanF, rstd, g, b, hs, ys);
            hb.put(ho + from * c, hs, 0, len);
            yb.put(yo + from * c, ys, 0, len);
        });
        return new double[][]{mean, var};
    }

    /**
     * BatchNorm backward with batch statistics: dx = g rstd (dy - mean(dy) - xhat mean(dy xhat)) per channel; adds
     * sum(dy xhat) and sum(dy) into the gain and bias gradients when given.
     */
    static void batchNormBackward(INDArray dy, INDArray xhat, float[] rstd, INDArray gain, INDArray dGain, INDArray dBias, INDArray dx) {
        int n = (int) dy.rows(), c = (int) dy.columns();
        FloatBuffer dyb = buffer(dy), hb = buffer(xhat), dxb = buffer(dx);
        int dyo = (int) dy.offset(), ho = (int) xhat.offset(), dxo = (int) dx.offset();
        double[][] sums = columnSums(dy, xhat, 2, (from, to, acc, dys, hs) -> {
            for (int r = 0; r < to - from; r++) {
                LOOPS.addTo(dys, r * c, acc[0], 0, c);
                LOOPS.addProductInto(dys, hs, r * c, acc[1], c);
            }
        });
        float[] g = readAll(gain), scale = new float[c], mDy = new float[c], mDyH = new float[c];
        for (int i = 0; i < c; i++) {
            scale[i] = g[i] * rstd[i];
            mDy[i] = (float) (scale[i] * sums[0][i] / n);
            mDyH[i] = (float) (scale[i] * sums[1][i] / n);
        }
        inPieces(n, c, (from, to) -> {
            int len = (to - from) * c;
            float[] dys = scratch(0, len), hs = scratch(1, len), out = scratch(2, len);
            dyb.get(dyo + from * c, dys, 0, len);
            hb.get(ho + from * c, hs, 0, len);
            for (int r = 0; r < to - from; r++) LOOPS.batchNormGrad(dys, hs, r * c, c, scale, mDy, mDyH, out);
            dxb.put(dxo + from * c, out, 0, len);
        });
        if (dGain != null) {
            addInto(dGain, sums[1]);
            addInto(dBias, sums[0]);
        }
    }

    /** ReLU backward: dx = y > 0 ? dy : 0. */
    static void reluBackward(INDArray y, INDArray dy, INDArray dx) {
        elementwise(y, dy, dx, LOOPS::reluGrad);
    }

    /** y[r, :] += row for every row of y [n, d] (a Linear layer's bias). */
    static void addRowInPlace(INDArray y, INDArray row) {
        int d = (int) y.columns();
        float[] rs = readAll(row);
        FloatBuffer yb = buffer(y);
        int yo = (int) y.offset();
        inPieces((int) y.rows(), d, (from, to) -> {
            int len = (to - from) * d;
            float[] ys = scratch(0, len);
            yb.get(yo + from * d, ys, 0, len);
            for (int r = 0; r < to - from; r++) LOOPS.addTo(rs, 0, ys, r * d, d);
            yb.put(yo + from * d, ys, 0, len);
        });
    }

    /** Elements per chunk of a whole-array reduction: a fixed partition, whatever the thread count. */
    static final int CHUNK_ELEMENTS = 16_384;

    /**
     * sum x_i^2 over a dense float array: each chunk of {@link #CHUNK_ELEMENTS} by {@link FloatLoops#dot}, the chunks'
     * sums added in double in order. (ND4J's {@code norm2} splits the array by thread count: different last bits at
     * 1 and 2 threads, measured.)
     */
    public static double sumOfSquares(INDArray x) {
        int n = (int) x.length(), chunks = Math.max(1, (n + CHUNK_ELEMENTS - 1) / CHUNK_ELEMENTS);
        FloatBuffer xb = buffer(x);
        int xo = (int) x.offset();
        double[] partial = new double[chunks];
        KernelThreads.parallelFor(chunks, 4, (first, end) -> {
            float[] xs = scratch(0, CHUNK_ELEMENTS);
            for (int c = first; c < end; c++) {
                int from = c * CHUNK_ELEMENTS, len = Math.min(CHUNK_ELEMENTS, n - from);
                xb.get(xo + from, xs, 0, len);
                partial[c] = LOOPS.dot(xs, 0, xs, 0, len);
            }
        });
        double total = 0;
        for (double p : partial) total += p;
        return total;
    }

    /** acc += column sums of x [n, d] (a bias gradient), summed in double. */
    static void addColumnSums(INDArray x, INDArray acc) {
        addInto(acc, columnSum(x));
    }

    /** Column sums of x [n, d], in double. */
    private static double[] columnSum(INDArray x) {
        int d = (int) x.columns();
        return columnSums(x, null, 1, (from, to, acc, xs, unused) -> {
            for (int r = 0; r < to - from; r++) LOOPS.addTo(xs, r * d, acc[0], 0, d);
        })[0];
    }
}
