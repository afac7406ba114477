package dev.jclip.core.model;

import dev.jclip.core.nn.AttentionPool2d;
import dev.jclip.core.nn.Conv2d;
import dev.jclip.core.nn.Linear;
import dev.jclip.core.nn.MultiheadSelfAttention;
import dev.jclip.core.nn.ParameterStore;
import dev.jclip.core.nn.QuickGelu;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link FlopCounter}'s per-block multiply-add formulas against a count taken by naive implementations of the same
 * blocks (plain loops in double, one increment per multiply-add), on tiny shapes. Each naive implementation's output
 * is checked against the real layer's, so that the loops counted are the block's computation and not another one.
 */
class FlopCounterTest {
    private static final double TOL = 1e-9;
    private long madds;

    /** y = x W^T + b, W [out, in]. */
    private double[][] linear(double[][] x, INDArray weight, INDArray bias) {
        double[][] w = weight.toDoubleMatrix();
        double[] b = bias.toDoubleVector();
        double[][] y = new double[x.length][w.length];
        for (int n = 0; n < x.length; n++) {
            for (int o = 0; o < w.length; o++) {
                double s = b[o];
                for (int i = 0; i < w[o].length; i++) {
                    s += x[n][i] * w[o][i];
                    madds++;
                }
                y[n][o] = s;
            }
        }
        return y;
    }

    /** One query row against keys and values (rows [first, first + t) of k and v, columns [c, c + hd)): the context. */
    private double[] attend(double[] q, double[][] k, double[][] v, int first, int t, int c, int hd, double scale) {
        double[] s = new double[t];
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < t; j++) {
            for (int d = 0; d < hd; d++) {
                s[j] += q[c + d] * k[first + j][c + d];
                madds++;
            }
            s[j] *= scale;
            max = Math.max(max, s[j]);
        }
        for (int j = 0; j < t; j++) sum += s[j] = Math.exp(s[j] - max);
        double[] out = new double[hd];
        for (int j = 0; j < t; j++) {
            for (int d = 0; d < hd; d++) {
                out[d] += s[j] / sum * v[first + j][c + d];
                madds++;
            }
        }
        return out;
    }

    private static void assertClose(double[][] expected, INDArray actual) {
        double[][] a = actual.toDoubleMatrix();
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) assertEquals(expected[i][j], a[i][j], 1e-9, "[" + i + ", " + j + "]");
        }
    }

    @Test
    void attentionAndItsCore() {
        int batch = 2, t = 5, width = 12, heads = 3, hd = width / heads;
        ParameterStore store = new ParameterStore(DataType.DOUBLE, 1);
        MultiheadSelfAttention layer = MultiheadSelfAttention.create(store, "attn", width, heads, t, false, 0, 0);
        INDArray x = Nd4j.rand(DataType.DOUBLE, (long) batch * t, width).subi(0.5);
        INDArray y = layer.forward(x);

        madds = 0;
        double[][] qkv = linear(x.toDoubleMatrix(), store.get("attn.in_proj_weight").value(), store.get("attn.in_proj_bias").value());
        long projections = madds;
        double[][] context = new double[batch * t][width];
        double scale = 1 / Math.sqrt(hd);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    double[] q = java.util.Arrays.copyOfRange(qkv[b * t + i], 0, width);
                    double[][] k = new double[batch * t][], v = new double[batch * t][];
                    for (int r = 0; r < batch * t; r++) {
                        k[r] = java.util.Arrays.copyOfRange(qkv[r], width, 2 * width);
                        v[r] = java.util.Arrays.copyOfRange(qkv[r], 2 * width, 3 * width);
                    }
                    double[] c = attend(q, k, v, b * t, t, h * hd, hd, scale);
                    System.arraycopy(c, 0, context[b * t + i], h * hd, hd);
                }
            }
        }
        long core = madds - projections;
        double[][] out = linear(context, store.get("attn.out_proj.weight").value(), store.get("attn.out_proj.bias").value());
        assertClose(out, y);
        assertEquals(core, FlopCounter.attentionCoreMadds(batch, t, width), TOL);
        assertEquals(madds, FlopCounter.attentionMadds(batch, t, width), TOL);
    }

    @Test
    void mlp() {
        int batch = 3, t = 4, width = 6, hidden = 24;
        ParameterStore store = new ParameterStore(DataType.DOUBLE, 2);
        Linear fc = Linear.create(store, "c_fc", width, hidden), proj = Linear.create(store, "c_proj", hidden, width);
        INDArray x = Nd4j.rand(DataType.DOUBLE, (long) batch * t, width).subi(0.5);
        INDArray y = proj.forward(new QuickGelu().forward(fc.forward(x)));

        madds = 0;
        double[][] h = linear(x.toDoubleMatrix(), fc.weight().value(), fc.bias().value());
        for (double[] row : h) {
            for (int i = 0; i < row.length; i++) row[i] = row[i] / (1 + Math.exp(-1.702 * row[i]));
        }
        assertClose(linear(h, proj.weight().value(), proj.bias().value()), y);
        assertEquals(madds, FlopCounter.mlpMadds(batch, t, width, hidden), TOL);
    }

    @Test
    void convolutionCountsEveryKernelTapIncludingPadding() {
        // stride 2 with padding (the stem's first convolution), stride 1 3x3, and a 1x1
        int[][] cases = {{2, 3, 4, 3, 2, 1, 7}, {1, 4, 5, 3, 1, 1, 6}, {2, 5, 3, 1, 1, 0, 4}};
        for (int[] c : cases) {
            int batch = c[0], in = c[1], out = c[2], k = c[3], stride = c[4], pad = c[5], side = c[6];
            ParameterStore store = new ParameterStore(DataType.DOUBLE, 3);
            Conv2d conv = Conv2d.create(store, "conv.weight", in, out, k, stride, pad);
            INDArray x = Nd4j.rand(DataType.DOUBLE, batch, side, side, in).subi(0.5);
            INDArray y = conv.forward(x);
            int os = conv.outputSize(side);
            double[][][][] w = new double[out][in][k][k];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    for (int a = 0; a < k; a++) {
                        for (int b = 0; b < k; b++) w[o][i][a][b] = conv.weight().value().getDouble(o, i, a, b);
                    }
                }
            }
            madds = 0;
            for (int n = 0; n < batch; n++) {
                for (int oy = 0; oy < os; oy++) {
                    for (int ox = 0; ox < os; ox++) {
                        for (int o = 0; o < out; o++) {
                            double s = 0;
                            for (int i = 0; i < in; i++) {
                                for (int a = 0; a < k; a++) {
                                    for (int b = 0; b < k; b++) {
                                        int iy = oy * stride - pad + a, ix = ox * stride - pad + b;
                                        boolean inside = iy >= 0 && iy < side && ix >= 0 && ix < side;
                                        s += (inside ? x.getDouble(n, iy, ix, i) : 0) * w[o][i][a][b];
                                        madds++;
                                    }
                                }
                            }
                            assertEquals(s, y.getDouble(n, oy, ox, o), 1e-9);
                        }
                    }
                }
            }
            assertEquals(madds, FlopCounter.convMadds(batch, in, out, k, os), TOL, java.util.Arrays.toString(c));
        }
    }

    @Test
    void attentionPool() {
        int batch = 2, side = 3, channels = 8, heads = 2, embed = 5, hd = channels / heads, tokens = side * side + 1;
        ParameterStore store = new ParameterStore(DataType.DOUBLE, 4);
        AttentionPool2d pool = AttentionPool2d.create(store, "attnpool", side, channels, heads, embed);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, side, side, channels).subi(0.5);
        INDArray y = pool.forward(x);

        madds = 0;
        double[][] pos = store.get("attnpool.positional_embedding").value().toDoubleMatrix();
        double[][] seq = new double[batch * tokens][channels], query = new double[batch][];
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < side * side; p++) {
                for (int c = 0; c < channels; c++) {
                    double v = x.getDouble(b, p / side, p % side, c);
                    seq[b * tokens + 1 + p][c] = v + pos[1 + p][c];
                    seq[b * tokens][c] += v / (side * side);
                }
            }
            for (int c = 0; c < channels; c++) seq[b * tokens][c] += pos[0][c];
            query[b] = seq[b * tokens];
        }
        double[][] q = linear(query, store.get("attnpool.q_proj.weight").value(), store.get("attnpool.q_proj.bias").value());
        double[][] k = linear(seq, store.get("attnpool.k_proj.weight").value(), store.get("attnpool.k_proj.bias").value());
        double[][] v = linear(seq, store.get("attnpool.v_proj.weight").value(), store.get("attnpool.v_proj.bias").value());
        double[][] context = new double[batch][channels];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                System.arraycopy(attend(q[b], k, v, b * tokens, tokens, h * hd, hd, 1 / Math.sqrt(hd)), 0, context[b], h * hd, hd);
            }
        }
        assertClose(linear(context, store.get("attnpool.c_proj.weight").value(), store.get("attnpool.c_proj.bias").value()), y);
        assertEquals(madds, FlopCounter.attentionPoolMadds(batch, tokens, channels, embed), TOL);
    }
}
