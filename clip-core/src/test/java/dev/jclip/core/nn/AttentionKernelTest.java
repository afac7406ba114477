package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused attention core against a naive double-precision implementation written from the formulas (scores,
 * softmax, context; and the gradients of q, k and v), causal and not, at odd sequence lengths and CLIP's head
 * widths; and the scalar and vector loops give it the same bits.
 */
class AttentionKernelTest {
    private static final int BATCH = 2, HEADS = 2;

    /** max |got - expected| over max |expected|. */
    private static double relError(float[] got, double[] expected) {
        double err = 0, scale = 1e-30;
        for (int i = 0; i < expected.length; i++) {
            err = Math.max(err, Math.abs(got[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return err / scale;
    }

    /** The reference: probs [B*H*T*T], context [B*T*D], dQkv [B*T*3D], all in double. */
    private static double[][] naive(float[] qkv, float[] dc, int t, int hd, double scale, boolean causal) {
        int d = HEADS * hd, w3 = 3 * d;
        double[] probs = new double[BATCH * HEADS * t * t], ctx = new double[BATCH * t * d], dx = new double[BATCH * t * w3];
        for (int b = 0; b < BATCH; b++) {
            for (int h = 0; h < HEADS; h++) {
                int base = b * t * w3, q = h * hd, k = d + h * hd, v = 2 * d + h * hd, pb = (b * HEADS + h) * t * t;
                double[][] p = new double[t][t], ds = new double[t][t];
                for (int i = 0; i < t; i++) {
                    int vis = causal ? i + 1 : t;
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < vis; j++) {
                        double s = 0;
                        for (int e = 0; e < hd; e++) s += (double) qkv[base + i * w3 + q + e] * qkv[base + j * w3 + k + e];
                        p[i][j] = scale * s;
                        max = Math.max(max, p[i][j]);
                    }
                    for (int j = 0; j < vis; j++) sum += p[i][j] = Math.exp(p[i][j] - max);
                    for (int j = 0; j < vis; j++) p[i][j] /= sum;
                    for (int j = 0; j < t; j++) probs[pb + i * t + j] = p[i][j];
                    for (int e = 0; e < hd; e++) {
                        double c = 0;
                        for (int j = 0; j < t; j++) c += p[i][j] * qkv[base + j * w3 + v + e];
                        ctx[b * t * d + i * d + h * hd + e] = c;
                    }
                    // dP_ij = dC_i . v_j, dS_ij = P_ij (dP_ij - sum_l P_il dP_il)
                    double[] dp = new double[t];
                    double rowDot = 0;
                    for (int j = 0; j < vis; j++) {
                        for (int e = 0; e < hd; e++) dp[j] += (double) dc[b * t * d + i * d + h * hd + e] * qkv[base + j * w3 + v + e];
                        rowDot += p[i][j] * dp[j];
                    }
                    for (int j = 0; j < vis; j++) ds[i][j] = p[i][j] * (dp[j] - rowDot);
                }
                for (int i = 0; i < t; i++) {
                    for (int e = 0; e < hd; e++) {
                        double gq = 0, gk = 0, gv = 0;
                        for (int j = 0; j < t; j++) {
                            gq += ds[i][j] * qkv[base + j * w3 + k + e];   // dq_i = scale sum_j dS_ij k_j
                            gk += ds[j][i] * qkv[base + j * w3 + q + e];   // dk_i = scale sum_j dS_ji q_j
                            gv += p[j][i] * dc[b * t * d + j * d + h * hd + e];   // dv_i = sum_j P_ji dc_j
                        }
                        dx[base + i * w3 + q + e] = scale * gq;
                        dx[base + i * w3 + k + e] = scale * gk;
                        dx[base + i * w3 + v + e] = gv;
                    }
                }
            }
        }
        return new double[][]{probs, ctx, dx};
    }

    /** probs, context and dQkv of the kernel with the given loops. */
    private static float[][] run(FloatLoops loops, INDArray qkv, INDArray dc, int t, int hd, float scale, boolean causal) {
        int d = HEADS * hd;
        INDArray probs = Nd4j.create(DataType.FLOAT, (long) BATCH * HEADS, t, t), ctx = Nd4j.create(DataType.FLOAT, (long) BATCH * t, d);
        INDArray dx = Nd4j.create(DataType.FLOAT, (long) BATCH * t, 3L * d);
        AttentionKernel kernel = new AttentionKernel(BATCH, t, HEADS, hd, scale, causal, loops);
        kernel.forward(qkv, probs, ctx);
        kernel.backward(qkv, probs, dc, dx);
        return new float[][]{probs.data().asFloat(), ctx.data().asFloat(), dx.data().asFloat()};
    }

    @Test
    void matchesNaiveDoublePrecisionAttention() {
        Nd4j.getRandom().setSeed(5);
        String[] names = {"probs", "context", "dQkv"};
        double[] tolerance = {2e-6, 2e-6, 2e-5};
        for (int t : new int[]{1, 5, 17, 65, 77}) {
            for (int hd : new int[]{8, 32, 64}) {
                for (boolean causal : new boolean[]{false, true}) {
                    float scale = (float) (1 / Math.sqrt(hd));
                    INDArray qkv = Nd4j.randn(DataType.FLOAT, (long) BATCH * t, 3L * HEADS * hd).muli(1.5);
                    INDArray dc = Nd4j.randn(DataType.FLOAT, (long) BATCH * t, (long) HEADS * hd);
                    double[][] expected = naive(qkv.data().asFloat(), dc.data().asFloat(), t, hd, scale, causal);
                    float[][] vector = run(new VectorFloatLoops(), qkv, dc, t, hd, scale, causal);
                    float[][] scalar = run(new ScalarFloatLoops(), qkv, dc, t, hd, scale, causal);
                    String what = "t=" + t + " hd=" + hd + (causal ? " causal" : " full");
                    for (int o = 0; o < 3; o++) {
                        double err = relError(vector[o], expected[o]);
                        assertTrue(err < tolerance[o], what + " " + names[o] + ": relative error " + err);
                        for (int i = 0; i < scalar[o].length; i++) {
                            assertEquals(Float.floatToRawIntBits(scalar[o][i]), Float.floatToRawIntBits(vector[o][i]),
                                    what + " " + names[o] + "[" + i + "]: scalar and vector loops differ");
                        }
                    }
                    if (causal) {
                        for (int i = 0; i < expected[0].length; i++) {
                            if (expected[0][i] == 0) assertEquals(0f, vector[0][i], what + " masked probability " + i);
                        }
                    }
                }
            }
        }
    }
}
