package dev.jclip.onednn;

import dev.jclip.core.nn.Bf16Gemm;
import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Ops;
import dev.jclip.core.nn.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bf16 products against a naive reference: the operands rounded to bf16 in Java (to nearest, ties to even),
 * multiplied and summed in double. oneDNN sums in float32, so the two agree to float32 rounding of the sums, far
 * closer than either is to the float32 operands' product (bf16 keeps 8 significant bits).
 */
class OneDnnBf16GemmTest {
    @AfterEach
    void processThreadCount() {
        CpuKernels.setThreads(0);
    }

    static INDArray random(long seed, long rows, long cols) {
        Random g = new Random(seed);
        float[] f = new float[(int) (rows * cols)];
        for (int i = 0; i < f.length; i++) f[i] = (float) g.nextGaussian();
        return Nd4j.create(f, new long[]{rows, cols}, 'c');
    }

    /** x rounded to the nearest bf16 (ties to even), as a float. */
    static float bf16(float x) {
        int u = Float.floatToRawIntBits(x);
        u += 0x7FFF + ((u >>> 16) & 1);
        return Float.intBitsToFloat(u & 0xFFFF0000);
    }

    /** alpha op(a) op(b) + beta c0 in double, with the operands rounded to bf16 first when {@code round}; and the
     * bound sum |alpha a_ip b_pj| per element, the scale of the float32 sums' rounding. */
    static double[][][] reference(INDArray a, INDArray b, INDArray c0, boolean ta, boolean tb, double alpha, double beta, boolean round) {
        double[][] x = a.toDoubleMatrix(), y = b.toDoubleMatrix(), c = c0 == null ? null : c0.toDoubleMatrix();
        int m = ta ? x[0].length : x.length, k = ta ? x.length : x[0].length, n = tb ? y.length : y[0].length;
        double[][] out = new double[m][n], scale = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double u = ta ? x[p][i] : x[i][p], v = tb ? y[j][p] : y[p][j];
                    if (round) {
                        u = bf16((float) u);
                        v = bf16((float) v);
                    }
                    s += u * v;
                    abs += Math.abs(u * v);
                }
                out[i][j] = alpha * s + (c == null ? 0 : beta * c[i][j]);
                scale[i][j] = Math.abs(alpha) * abs + (c == null ? 0 : Math.abs(beta * c[i][j]));
            }
        }
        return new double[][][]{out, scale};
    }

    /** Largest |got - want| / scale, with scale the element's sum of absolute terms. */
    static double worst(INDArray got, double[][][] want) {
        double[][] g = got.toDoubleMatrix();
        double worst = 0;
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g[0].length; j++) worst = Math.max(worst, Math.abs(g[i][j] - want[0][i][j]) / (want[1][i][j] + 1e-30));
        }
        return worst;
    }

    @Test
    void everyTransposeRoundsTheOperandsAndSumsInFloat() {
        Bf16Gemm gemm = Bf16Gemm.get();
        assertTrue(gemm.implementation().startsWith("oneDNN 2."), gemm.implementation());
        int m = 70, k = 130, n = 50;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                INDArray a = ta ? random(1, k, m) : random(1, m, k), b = tb ? random(2, n, k) : random(2, k, n);
                INDArray c = Nd4j.create(DataType.FLOAT, m, n);
                gemm.gemm(a, b, c, ta, tb, 1f, 0f);
                String what = "ta " + ta + " tb " + tb;
                assertTrue(worst(c, reference(a, b, null, ta, tb, 1, 0, true)) < 2e-6, what + ": the bf16 operands' product, float32 sums");
                double fromFloat = worst(c, reference(a, b, null, ta, tb, 1, 0, false));
                assertTrue(fromFloat > 1e-4 && fromFloat < 2e-2, what + ": rounded to bf16, not float32 operands: " + fromFloat);
            }
        }
    }

    @Test
    void alphaBetaAndViewsOfLargerBuffers() {
        Bf16Gemm gemm = Bf16Gemm.get();
        // a column block of a larger matrix (rows 200 apart), a transposed weight, c a block of a larger output
        INDArray bigA = random(3, 40, 200), bigC = random(4, 80, 90);
        INDArray a = bigA.get(NDArrayIndex.all(), NDArrayIndex.interval(17, 17 + 64));          // [40, 64], strides (200, 1)
        INDArray b = random(5, 30, 40);                                                              // op(b) = b^T [40, 30]
        INDArray c = bigC.get(NDArrayIndex.interval(5, 5 + 64), NDArrayIndex.interval(33, 33 + 30)); // [64, 30] of [80, 90]
        INDArray c0 = c.dup(), untouched = bigC.dup();
        assertEquals(200, a.stride(0));
        double[][][] want = reference(a, b, c0, true, true, 0.5, 0.25, true);
        gemm.gemm(a, b, c, true, true, 0.5f, 0.25f);
        assertTrue(worst(c, want) < 2e-6, "c = 0.5 a^T b^T + 0.25 c");
        c.assign(0);
        untouched.get(NDArrayIndex.interval(5, 5 + 64), NDArrayIndex.interval(33, 33 + 30)).assign(0);
        assertEquals(untouched, bigC, "only c's elements were written");
        assertEquals(bigA.get(NDArrayIndex.all(), NDArrayIndex.interval(17, 17 + 64)), a, "a unchanged");
    }

    @Test
    void matMulsBlocksInBf16AreTheSameAtAnyThreadCount() {
        int m = 1024, k = 160, n = 256;   // cut into 3 row blocks; a^T b (a weight gradient's shape) into inner blocks
        INDArray a = random(6, m, k), b = random(7, k, n), w = random(8, n, k), acc0 = random(9, k, n);
        int[][] first = null;
        for (int threads : new int[]{1, 2, 3}) {
            CpuKernels.setThreads(threads);
            INDArray[] out = MatMul.inPrecision(Precision.BF16, () -> {
                INDArray acc = acc0.dup();
                MatMul.gemm(a, b.dup(), acc.dup(), false, false, 1, 0);
                MatMul.gemm(random(10, m, k), random(11, m, n), acc, true, false, 1.0, 1.0);   // acc += x^T dy
                return new INDArray[]{MatMul.gemm(a, b, false, false), MatMul.gemm(a, w, false, true), acc};
            });
            int[][] bits = new int[out.length][];
            for (int i = 0; i < out.length; i++) bits[i] = bits(out[i]);
            if (first == null) {
                first = bits;
                assertTrue(worst(out[0], reference(a, b, null, false, false, 1, 0, true)) < 2e-6, "blocks in bf16");
                assertTrue(worst(out[1], reference(a, w, null, false, true, 1, 0, true)) < 2e-6, "blocks in bf16, transposed weight");
                assertTrue(worst(out[2], reference(random(10, m, k), random(11, m, n), acc0, true, false, 1, 1, true)) < 2e-6,
                        "inner blocks in bf16, summed in float32");
            } else {
                for (int i = 0; i < bits.length; i++) assertArrayEquals(first[i], bits[i], "product " + i + " at " + threads + " threads");
            }
        }
    }

    @Test
    void precisionIsScopedAndSumsStayFloat32() {
        INDArray a = random(12, 300, 64), b = random(13, 64, 40);
        INDArray fp32 = MatMul.gemm(a, b, false, false);
        INDArray bf16 = MatMul.inPrecision(Precision.BF16, () -> MatMul.gemm(a, b, false, false));
        assertNotEquals(fp32, bf16, "bf16 inside the scope");
        assertArrayEquals(bits(fp32), bits(MatMul.gemm(a, b, false, false)), "float32 again after it");
        assertArrayEquals(bits(fp32), bits(MatMul.inPrecision(Precision.BF16,
                () -> MatMul.inPrecision(Precision.FLOAT32, () -> MatMul.gemm(a, b, false, false)))), "an inner float32 scope");
        INDArray sums = Ops.columnSums(a), rows = Ops.rowSums(a);
        assertArrayEquals(bits(sums), bits(MatMul.inPrecision(Precision.BF16, () -> Ops.columnSums(a))), "column sums stay float32");
        assertArrayEquals(bits(rows), bits(MatMul.inPrecision(Precision.BF16, () -> Ops.rowSums(a))), "row sums stay float32");
        INDArray d = a.castTo(DataType.DOUBLE), e = b.castTo(DataType.DOUBLE);
        assertEquals(MatMul.gemm(d, e, false, false), MatMul.inPrecision(Precision.BF16, () -> MatMul.gemm(d, e, false, false)),
                "double products are never rounded to bf16");
    }

    static int[] bits(INDArray x) {
        float[] f = x.dup('c').data().asFloat();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
        return out;
    }
}
