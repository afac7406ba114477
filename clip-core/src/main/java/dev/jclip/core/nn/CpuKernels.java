package dev.jclip.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * Fused single-pass CPU kernels for the elementwise work around the matrix products (LayerNorm, QuickGELU,
 * masked softmax), over float32 data copied in bulk to and from ND4J's off-heap buffers. Each replaces five to
 * ten ND4J ops, each a JNI call and a full pass over memory. The layers keep an all-ND4J-op path (used on the
 * CUDA backend, for non-float types, and with {@code -Djclip.kernels=nd4j}); tests check the two against each other.
 */
public final class CpuKernels {
    private static final boolean ENABLED = !"nd4j".equals(System.getProperty("jclip.kernels"))
            && Nd4j.getBackend().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT).contains("cpu");

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);

    private CpuKernels() {
    }

    /** True when the fused kernels can handle these arrays (CPU backend, float32, dense C order). */
    public static boolean applies(INDArray... arrays) {
        if (!ENABLED) return false;
        for (INDArray a : arrays) {
            if (a.dataType() != DataType.FLOAT || a.ordering() != 'c' || !Shape.hasDefaultStridesForShape(a)) return false;
        }
        return true;
    }

    static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) s[slot] = new float[Math.max(n, s[slot].length * 3 / 2)];
        return s[slot];
    }

    static float[] read(INDArray a, int slot) {
        int n = (int) a.length();
        float[] out = scratch(slot, n);
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset());
        b.get(out, 0, n);
        return out;
    }

    static void write(float[] src, INDArray a) {
        FloatBuffer b = a.data().asNioFloat();
        b.position((int) a.offset());
        b.put(src, 0, (int) a.length());
    }

    /**
     * LayerNorm forward: y = (x - mean) * rstd * g + b per row. Writes y, the normalised input (for backward)
     * and the per-row rstd.
     */
    static void layerNormForward(INDArray x, INDArray gain, INDArray bias, double eps, INDArray y, INDArray xhat, float[] rstd) {
        int n = (int) x.rows(), d = (int) x.columns();
        float[] xs = read(x, 0);
        float[] g = read(gain, 1).clone();
        float[] bb = read(bias, 1);
        float[] ys = scratch(2, n * d);
        float[] hs = scratch(3, n * d);
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double sum = 0;
            for (int i = 0; i < d; i++) sum += xs[o + i];
            float mean = (float) (sum / d);
            double sq = 0;
            for (int i = 0; i < d; i++) {
                float c = xs[o + i] - mean;
                sq += c * c;
            }
            float rs = (float) (1.0 / Math.sqrt(sq / d + eps));
            rstd[r] = rs;
            for (int i = 0; i < d; i++) {
                float h = (xs[o + i] - mean) * rs;
                hs[o + i] = h;
                ys[o + i] = h * g[i] + bb[i];
            }
        }
        write(ys, y);
        write(hs, xhat);
    }

    /**
     * LayerNorm backward: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g;
     * accumulates dg += sum(dy * xhat) and db += sum(dy) over rows (when the gradients are given).
     */
    static void layerNormBackward(INDArray dy, INDArray xhat, float[] rstd, INDArray gain, INDArray dGain, INDArray dBias, INDArray dx) {
        int n = (int) dy.rows(), d = (int) dy.columns();
        float[] dys = read(dy, 0);
        float[] hs = read(xhat, 1);
        float[] g = scratch(2, d + 2 * d);
        FloatBuffer gb = gain.data().asNioFloat();
        gb.position((int) gain.offset());
        gb.get(g, 0, d);
        float[] dxs = scratch(3, n * d);
        double[] dg = new double[d];
        double[] db = new double[d];
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double s1 = 0, s2 = 0;
            for (int i = 0; i < d; i++) {
                float gy = dys[o + i];
                float dh = gy * g[i];
                s1 += dh;
                s2 += dh * hs[o + i];
                dg[i] += gy * hs[o + i];
                db[i] += gy;
            }
            float m1 = (float) (s1 / d), m2 = (float) (s2 / d), rs = rstd[r];
            for (int i = 0; i < d; i++) dxs[o + i] = (dys[o + i] * g[i] - m1 - hs[o + i] * m2) * rs;
        }
        write(dxs, dx);
        if (dGain != null) {
            addInto(dGain, dg);
            addInto(dBias, db);
        }
    }

    private static void addInto(INDArray acc, double[] add) {
        FloatBuffer b = acc.data().asNioFloat();
        int off = (int) acc.offset();
        for (int i = 0; i < add.length; i++) b.put(off + i, (float) (b.get(off + i) + add[i]));
    }

    /** QuickGELU forward y = x * s(1.702 x); keeps s for backward. */
    static void quickGeluForward(INDArray x, INDArray y, INDArray sig) {
        int n = (int) x.length();
        float[] xs = read(x, 0);
        float[] ys = scratch(1, n);
        float[] ss = scratch(2, n);
        for (int i = 0; i < n; i++) {
            float s = (float) (1.0 / (1.0 + Math.exp(-1.702 * xs[i])));
            ss[i] = s;
            ys[i] = xs[i] * s;
        }
        write(ys, y);
        write(ss, sig);
    }

    /** QuickGELU backward dx = dy * (s + 1.702 x s (1 - s)). */
    static void quickGeluBackward(INDArray dy, INDArray x, INDArray sig, INDArray dx) {
        int n = (int) x.length();
        float[] dys = read(dy, 0);
        float[] xs = read(x, 1);
        float[] ss = read(sig, 2);
        float[] out = scratch(3, n);
        for (int i = 0; i < n; i++) {
            float s = ss[i];
            out[i] = dys[i] * (s + 1.702f * xs[i] * s * (1 - s));
        }
        write(out, dx);
    }

    /**
     * Row softmax over the last dimension of [rows, t] in place, with an optional causal mask (row r of each
     * t x t block sees columns 0..r only; masked entries become exactly 0).
     */
    static void softmaxRows(INDArray scores, int t, boolean causal) {
        int rows = (int) (scores.length() / t);
        float[] s = read(scores, 0);
        for (int r = 0; r < rows; r++) {
            int o = r * t;
            int visible = causal ? (r % t) + 1 : t;
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < visible; i++) max = Math.max(max, s[o + i]);
            double sum = 0;
            for (int i = 0; i < visible; i++) {
                float e = (float) Math.exp(s[o + i] - max);
                s[o + i] = e;
                sum += e;
            }
            float inv = (float) (1.0 / sum);
            for (int i = 0; i < visible; i++) s[o + i] *= inv;
            for (int i = visible; i < t; i++) s[o + i] = 0f;
        }
        write(s, scores);
    }

    /** Softmax backward in place on dP: dS = P * (dP - rowsum(dP * P)). */
    static void softmaxBackwardRows(INDArray dProbs, INDArray probs, int t) {
        int rows = (int) (probs.length() / t);
        float[] dp = read(dProbs, 0);
        float[] p = read(probs, 1);
        for (int r = 0; r < rows; r++) {
            int o = r * t;
            double dot = 0;
            for (int i = 0; i < t; i++) dot += dp[o + i] * p[o + i];
            float d = (float) dot;
            for (int i = 0; i < t; i++) dp[o + i] = p[o + i] * (dp[o + i] - d);
        }
        write(dp, dProbs);
    }

    /**
     * Splits packed projections [B*T, 3D] into q (scaled), k and v, each [B*H, T, hd] (head-major), in one pass.
     */
    static void splitQkv(INDArray qkv, int batch, int t, int heads, int hd, float scale, INDArray q, INDArray k, INDArray v) {
        int d = heads * hd;
        float[] src = read(qkv, 0);
        int n = batch * t * d;
        float[] qs = scratch(1, n), ks = scratch(2, n), vs = scratch(3, n);
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                int row = (b * t + i) * 3 * d;
                for (int h = 0; h < heads; h++) {
                    int dst = ((b * heads + h) * t + i) * hd;
                    int col = h * hd;
                    for (int j = 0; j < hd; j++) {
                        qs[dst + j] = src[row + col + j] * scale;
                        ks[dst + j] = src[row + d + col + j];
                        vs[dst + j] = src[row + 2 * d + col + j];
                    }
                }
            }
        }
        write(qs, q);
        write(ks, k);
        write(vs, v);
    }

    /** [B*H, T, hd] -> [B*T, D] written into columns [colOffset, colOffset + D) of dst (row width dst.columns()), times alpha. */
    static void mergeHeads(INDArray x, int batch, int t, int heads, int hd, float alpha, float[] dst, int rowWidth, int colOffset) {
        float[] src = read(x, 0);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    int from = ((b * heads + h) * t + i) * hd;
                    int to = (b * t + i) * rowWidth + colOffset + h * hd;
                    for (int j = 0; j < hd; j++) dst[to + j] = src[from + j] * alpha;
                }
            }
        }
    }

    /** Merges heads [B*H, T, hd] into a new [B*T, D] array. */
    static INDArray mergeHeads(INDArray x, int batch, int t, int heads, int hd) {
        int d = heads * hd;
        INDArray out = Nd4j.create(x.dataType(), (long) batch * t, d);
        float[] dst = scratch(1, batch * t * d);
        mergeHeads(x, batch, t, heads, hd, 1f, dst, d, 0);
        write(dst, out);
        return out;
    }

    /** Packs dq (already including the scale), dk, dv [B*H, T, hd] into dqkv [B*T, 3D]. */
    static INDArray packQkvGradient(INDArray dq, INDArray dk, INDArray dv, int batch, int t, int heads, int hd, float qScale) {
        int d = heads * hd;
        INDArray out = Nd4j.create(dq.dataType(), (long) batch * t, 3L * d);
        float[] dst = scratch(1, batch * t * 3 * d);
        mergeHeads(dq, batch, t, heads, hd, qScale, dst, 3 * d, 0);
        mergeHeads(dk, batch, t, heads, hd, 1f, dst, 3 * d, d);
        mergeHeads(dv, batch, t, heads, hd, 1f, dst, 3 * d, 2 * d);
        write(dst, out);
        return out;
    }
}
