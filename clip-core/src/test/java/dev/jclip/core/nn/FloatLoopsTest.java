package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Vector API loops against the plain loops, bit for bit (and those against double-precision sums), at lengths
 * below, at and between vector widths and the 16 summation lanes, at odd offsets and strides.
 */
class FloatLoopsTest {
    private final FloatLoops scalar = new ScalarFloatLoops();
    private final FloatLoops vector = new VectorFloatLoops();
    private final Random rnd = new Random(11);
    private static final int[] LENGTHS = {0, 1, 3, 7, 8, 15, 16, 17, 24, 31, 32, 33, 64, 77, 130};

    private float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * 2);
        return a;
    }

    private static void close(double expected, double actual, String what) {
        close(expected, actual, Math.abs(expected), what);
    }

    /** Within float rounding of a sum whose terms add up to {@code magnitude} in absolute value. */
    private static void close(double expected, double actual, double magnitude, String what) {
        assertTrue(Math.abs(expected - actual) <= 2e-6 * Math.max(1, magnitude), what + ": " + expected + " vs " + actual);
    }

    private static void close(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) close(expected[i], actual[i], what + "[" + i + "]");
    }

    /** The same bits (the loops' contract, so that results do not depend on the JVM's flags or the CPU). */
    private static void same(float[] scalar, float[] vector, String what) {
        for (int i = 0; i < scalar.length; i++) {
            assertEquals(Float.floatToIntBits(scalar[i]), Float.floatToIntBits(vector[i]),
                    what + "[" + i + "]: scalar " + scalar[i] + ", vector " + vector[i]);
        }
    }

    private static void same(float scalar, float vector, String what) {
        same(new float[]{scalar}, new float[]{vector}, what);
    }

    @Test
    void theVectorModuleIsPresentInTheTestJvm() {
        // the build runs tests with --add-modules jdk.incubator.vector, so the kernels under test are the fast ones
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        assertEquals("vector", CpuKernels.loops());
    }

    @Test
    void reductionsAgreeWithDoubleSums() {
        for (int n : LENGTHS) {
            float[] a = random(n + 5), b = random(n + 9);
            double dot = 0, sum = 0, sq = 0, max = Double.NEGATIVE_INFINITY, dotMag = 0, sumMag = 0;
            for (int i = 0; i < n; i++) {
                dot += (double) a[3 + i] * b[7 + i];
                dotMag += Math.abs((double) a[3 + i] * b[7 + i]);
                sum += a[3 + i];
                sumMag += Math.abs(a[3 + i]);
                sq += (a[3 + i] - 0.25) * (a[3 + i] - 0.25);
                max = Math.max(max, a[3 + i]);
            }
            for (FloatLoops f : new FloatLoops[]{scalar, vector}) {
                String name = f.getClass().getSimpleName() + " n=" + n;
                close(dot, f.dot(a, 3, b, 7, n), dotMag, name + " dot");
                close(sum, f.sum(a, 3, n), sumMag, name + " sum");
                close(sq, f.squaredDeviation(a, 3, n, 0.25f), name + " squaredDeviation");
                if (n > 0) assertEquals((float) max, f.max(a, 3, n), name + " max");
            }
            same(scalar.dot(a, 3, b, 7, n), vector.dot(a, 3, b, 7, n), "dot n=" + n);
            same(scalar.sum(a, 3, n), vector.sum(a, 3, n), "sum n=" + n);
            same(scalar.squaredDeviation(a, 3, n, 0.25f), vector.squaredDeviation(a, 3, n, 0.25f), "squaredDeviation n=" + n);
        }
    }

    /**
     * The small matrix product against a double-precision one, at strides and offsets, and bit for bit between the
     * scalar and vector loops and against a naive chain of {@link Math#fma} per element (the rule in {@link FloatLoops}).
     */
    @Test
    void productIsAMatrixProductOfFmaChains() {
        for (int n : new int[]{0, 1, 5, 8, 15, 16, 17, 31, 32, 33, 48, 64, 65, 77}) {
            for (int m : new int[]{1, 3, 4, 5, 9}) {
                for (int k : new int[]{0, 1, 7, 32, 65}) {
                    int aStride = k + 3, bStride = n + 5, cStride = n + 2;
                    float[] a = random(2 + m * aStride), b = random(4 + k * bStride + n);
                    float[][] cs = new float[2][];
                    float[] garbage = random(1 + m * cStride);   // must be overwritten, and only where c is
                    int which = 0;
                    for (FloatLoops f : new FloatLoops[]{scalar, vector}) {
                        float[] c = garbage.clone();
                        f.product(a, 2, aStride, b, 4, bStride, m, k, n, c, 1, cStride);
                        cs[which++] = c;
                    }
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < n; j++) {
                            double expected = 0, magnitude = 0;
                            float chain = 0;
                            for (int r = 0; r < k; r++) {
                                float x = a[2 + i * aStride + r], y = b[4 + r * bStride + j];
                                expected += (double) x * y;
                                magnitude += Math.abs((double) x * y);
                                chain = Math.fma(x, y, chain);
                            }
                            String what = "product m=" + m + " k=" + k + " n=" + n + " [" + i + "][" + j + "]";
                            close(expected, cs[1][1 + i * cStride + j], magnitude, what);
                            same(chain, cs[0][1 + i * cStride + j], what + " scalar vs naive fma chain");
                            same(chain, cs[1][1 + i * cStride + j], what + " vector vs naive fma chain");
                        }
                    }
                    same(cs[0], cs[1], "product m=" + m + " k=" + k + " n=" + n + " (including untouched padding)");
                }
            }
        }
    }

    @Test
    void elementwiseLoopsAgree() {
        for (int n : LENGTHS) {
            float[] x = random(n), dy = random(n), g = random(n), b = random(n);
            float[][] out = new float[2][];
            int k = 0;
            for (FloatLoops f : new FloatLoops[]{scalar, vector}) {
                float[] y = new float[n], dx = new float[n], h = new float[n], ny = new float[n];
                float[] e = x.clone(), sc = x.clone();
                float expSum = f.expShifted(e, 0, n, 1.5f);
                f.scale(sc, 0, n, 0.3f);
                f.quickGelu(x, y, n);
                f.quickGeluGrad(dy, x, dx, n);
                f.normalise(x, 0, n, 0.1f, 1.3f, g, b, h, ny);
                float[] lnDx = new float[n], dg = new float[n], db = new float[n];
                f.layerNormGrad(dy, h, 0, n, g, 0.2f, -0.1f, 1.3f, lnDx, dg, db);
                float dotScaled = f.dotScaled(dy, 0, g, h, n);
                float[] all = new float[8 * n + 2];
                float[][] parts = {e, sc, y, dx, h, ny, lnDx, dg};
                for (int p = 0; p < parts.length; p++) System.arraycopy(parts[p], 0, all, p * n, n);
                all[8 * n] = expSum;
                all[8 * n + 1] = dotScaled;
                out[k++] = all;
            }
            same(out[0], out[1], "n=" + n);
            // and the scalar loops against the formulas
            for (int i = 0; i < n; i++) {
                double sig = 1 / (1 + Math.exp(-1.702 * x[i]));
                close(x[i] * sig, out[0][2 * n + i], "quickGelu");
                close(dy[i] * (sig + 1.702 * x[i] * sig * (1 - sig)), out[0][3 * n + i], "quickGeluGrad");
                close(Math.exp(x[i] - 1.5), out[0][i], "exp");
            }
        }
    }

    @Test
    void channelLoopsAgree() {
        for (int n : LENGTHS) {
            float[] x = random(n + 3), dy = random(n + 3), mean = random(n), rstd = random(n), g = random(n), b = random(n);
            float[][] out = new float[2][];
            int k = 0;
            for (FloatLoops f : new FloatLoops[]{scalar, vector}) {
                float[] sum = new float[n], prod = new float[n], sq = new float[n];
                f.addTo(x, 3, sum, 0, n);
                f.addProductInto(x, dy, 3, prod, n);
                f.addSquaredDeviationInto(x, 3, mean, sq, n);
                float[] h = new float[n + 3], y = new float[n + 3], dx = new float[n + 3], relu = new float[n];
                f.normaliseChannels(x, 3, n, mean, rstd, g, b, h, y);
                f.batchNormGrad(dy, h, 3, n, g, mean, rstd, dx);
                f.reluGrad(x, dy, relu, n);
                float[] all = new float[7 * n];
                float[][] parts = {sum, prod, sq, java.util.Arrays.copyOfRange(h, 3, n + 3),
                        java.util.Arrays.copyOfRange(y, 3, n + 3), java.util.Arrays.copyOfRange(dx, 3, n + 3), relu};
                for (int p = 0; p < parts.length; p++) System.arraycopy(parts[p], 0, all, p * n, n);
                out[k++] = all;
            }
            same(out[0], out[1], "n=" + n);
            for (int i = 0; i < n; i++) {
                close(x[3 + i], out[0][i], "addTo");
                close((double) x[3 + i] * dy[3 + i], out[0][n + i], "addProductInto");
                close(Math.pow(x[3 + i] - mean[i], 2), out[0][2 * n + i], "addSquaredDeviationInto");
                assertEquals(x[i] > 0 ? dy[i] : 0f, out[0][6 * n + i], "reluGrad");
            }
        }
    }

    @Test
    void adamWAgreesWithTheFormula() {
        for (int n : LENGTHS) {
            float[] g = random(n + 2);
            float[][] p = {random(n + 2), null}, m = {random(n + 2), null}, v = {random(n + 2), null};
            for (int i = 0; i < n + 2; i++) v[0][i] = Math.abs(v[0][i]);
            p[1] = p[0].clone();
            m[1] = m[0].clone();
            v[1] = v[0].clone();
            float[] p0 = p[0].clone(), m0 = m[0].clone(), v0 = v[0].clone();
            scalar.adamW(p[0], g, m[0], v[0], 2, n, 0.999f, 0.9f, 0.98f, 1e-3f, 0.3f, 1e-6f);
            vector.adamW(p[1], g, m[1], v[1], 2, n, 0.999f, 0.9f, 0.98f, 1e-3f, 0.3f, 1e-6f);
            for (int i = 0; i < n + 2; i++) {
                boolean in = i >= 2;
                double mi = in ? 0.9 * m0[i] + 0.1 * g[i] : m0[i];
                double vi = in ? 0.98 * v0[i] + 0.02 * g[i] * g[i] : v0[i];
                double pi = in ? p0[i] * 0.999 - 1e-3 * mi / (Math.sqrt(vi) / 0.3 + 1e-6) : p0[i];
                for (int k = 0; k < 2; k++) {
                    close(mi, m[k][i], "m " + k);
                    close(vi, v[k][i], "v " + k);
                    close(pi, p[k][i], "p " + k);
                }
            }
            same(p[0], p[1], "adamW p n=" + n);
            same(m[0], m[1], "adamW m n=" + n);
            same(v[0], v[1], "adamW v n=" + n);
        }
    }
}
