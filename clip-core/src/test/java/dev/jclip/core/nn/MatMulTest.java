package dev.jclip.core.nn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MatMul}: row blocks fixed by the shapes, results bit-identical whatever the number of Java threads running
 * the blocks, and equal to a naive double-precision product. (Different {@code OMP_NUM_THREADS} need separate JVMs:
 * {@code ReproducibilityTest}'s threads case.)
 */
class MatMulTest {
    @AfterEach
    void restoreThreads() {
        KernelThreads.configure(0);
    }

    /** A C-order float array of standard normals from {@code seed} (also ConvBlocksTest's). */
    static INDArray random(long seed, long... shape) {
        Random g = new Random(seed);
        float[] f = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < f.length; i++) f[i] = (float) g.nextGaussian();
        return Nd4j.create(f, shape, 'c');
    }

    /** op(a) op(b) in double, element by element. */
    private static double[][] naive(INDArray a, INDArray b, boolean ta, boolean tb) {
        long m = ta ? a.columns() : a.rows(), k = ta ? a.rows() : a.columns(), n = tb ? b.rows() : b.columns();
        double[][] c = new double[(int) m][(int) n], x = a.toDoubleMatrix(), y = b.toDoubleMatrix();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? x[p][i] : x[i][p]) * (tb ? y[j][p] : y[p][j]);
                c[i][j] = s;
            }
        }
        return c;
    }

    /** The float bits of every element, in C order (also ConvBlocksTest's). */
    static int[] bits(INDArray x) {
        float[] f = x.dup('c').data().asFloat();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) out[i] = Float.floatToRawIntBits(f[i]);
        return out;
    }

    @Test
    void blocksDependOnTheShapesOnly() {
        assertArrayEquals(new int[]{0, 40}, MatMul.blocks(40, 64, 64), "a small product is one block");
        assertArrayEquals(new int[]{0, 1000}, MatMul.blocks(1000, 64, 64), "4.1M multiply-adds: one block");
        assertArrayEquals(new int[]{0, 48}, MatMul.blocks(48, 1024, 1024), "fewer than 2 x 32 rows: one block");
        assertArrayEquals(new int[]{0, 1088}, MatMul.blocks(1088, 192, 64), "13.4M multiply-adds: one block");
        int[] rows = MatMul.blocks(1024, 256, 160);
        assertEquals(4, rows.length, "41.9M multiply-adds: 3 blocks");
        assertEquals(0, rows[0]);
        assertEquals(1024, rows[rows.length - 1]);
        for (int i = 1; i < rows.length; i++) assertTrue(rows[i] - rows[i - 1] >= MatMul.MIN_BLOCK_ROWS);
        assertEquals(MatMul.MAX_BLOCKS + 1, MatMul.blocks(8192, 512, 512).length);
    }

    @Test
    void everyTransposeIsBitIdenticalAtAnyThreadCountAndMatchesDouble() {
        assertEquals("blocks", MatMul.mode());
        int m = 1024, k = 160, n = 256;   // 3 blocks
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                INDArray a = ta ? random(1, k, m) : random(1, m, k);
                INDArray b = tb ? random(2, n, k) : random(2, k, n);
                INDArray acc0 = random(3, m, n);
                int[] first = null, firstAcc = null;
                for (int threads : new int[]{1, 2, 3}) {
                    KernelThreads.configure(threads);
                    INDArray c = MatMul.gemm(a, b, ta, tb);
                    INDArray acc = acc0.dup('c');
                    MatMul.gemm(a, b, acc, ta, tb, 0.5, 1.0);   // acc += 0.5 op(a) op(b)
                    if (first == null) {
                        first = bits(c);
                        firstAcc = bits(acc);
                        double[][] ref = naive(a, b, ta, tb);
                        double[][] got = c.toDoubleMatrix(), gotAcc = acc.toDoubleMatrix(), before = acc0.toDoubleMatrix();
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                assertEquals(ref[i][j], got[i][j], 1e-4, "ta " + ta + " tb " + tb + " at " + i + "," + j);
                                assertEquals(before[i][j] + 0.5 * ref[i][j], gotAcc[i][j], 1e-4);
                            }
                        }
                    } else {
                        assertArrayEquals(first, bits(c), "ta " + ta + " tb " + tb + ", " + threads + " threads");
                        assertArrayEquals(firstAcc, bits(acc), "accumulate, " + threads + " threads");
                    }
                }
            }
        }
    }

    @Test
    void intoAViewOfALargerBufferWritesOnlyTheView() {   // 25M multiply-adds: 2 inner blocks
        // a weight gradient's shape: dW [128, 96] += dy^T x with 2048 rows, into a flat parameter buffer's slice
        KernelThreads.configure(2);
        INDArray dy = random(4, 2048, 128), x = random(5, 2048, 96);
        INDArray flat = Nd4j.zeros(DataType.FLOAT, 10 + 128 * 96 + 10);
        INDArray c = flat.get(NDArrayIndex.interval(10, 10 + 128 * 96)).reshape('c', 128, 96);
        // dy^T x is cut along its inner dimension (the 2048 rows), into contiguous row blocks of dy and x
        assertTrue(MatMul.blocks(2048, 96, 128, MatMul.MAX_INNER_BLOCKS).length > 2);
        MatMul.gemm(dy, x, c, true, false, 1.0, 1.0);
        double[][] ref = naive(dy, x, true, false), got = c.toDoubleMatrix();
        for (int i = 0; i < 128; i++) for (int j = 0; j < 96; j++) assertEquals(ref[i][j], got[i][j], 1e-3);
        assertEquals(0.0, flat.get(NDArrayIndex.interval(0, 10)).sumNumber().doubleValue());
        assertEquals(0.0, flat.get(NDArrayIndex.interval(10 + 128 * 96, 20 + 128 * 96)).sumNumber().doubleValue());
    }

    @Test
    void batchedProductsAreBitIdenticalAtAnyThreadCount() {
        INDArray q = random(6, 384, 64, 32), k = random(7, 384, 64, 32);   // 50M multiply-adds: 3 blocks of 128
        int[] first = null;
        for (int threads : new int[]{1, 2, 3}) {
            KernelThreads.configure(threads);
            INDArray s = MatMul.matmul(q, k, false, true);
            assertArrayEquals(new long[]{384, 64, 64}, s.shape());
            if (first == null) {
                first = bits(s);
                double[][] ref = naive(q.slice(37), k.slice(37), false, true);
                for (int i = 0; i < 64; i++) for (int j = 0; j < 64; j++) assertEquals(ref[i][j], s.getDouble(37, i, j), 1e-4);
            } else {
                assertArrayEquals(first, bits(s), threads + " threads");
            }
        }
    }

    @Test
    void aOneByOneConvolutionWeightInAFlatBufferTakesTheFusedKernels() {
        // [out, in, 1, 1] views: ND4J's strides for the size-1 axes are not C order's, which sent their gradient
        // norm to ND4J's thread-dependent norm2 (the ResNet's threads 1 and 2 differed from the first step)
        INDArray flat = random(8, 4 + 64 * 32);
        INDArray w = flat.get(NDArrayIndex.interval(4, 4 + 64 * 32)).reshape('c', 64, 32, 1, 1);
        assertTrue(CpuKernels.applies(w), Arrays.toString(w.stride()));
        double expected = 0;
        for (int i = 4; i < 4 + 64 * 32; i++) expected += flat.getDouble(i) * flat.getDouble(i);
        assertEquals(expected, Ops.sumOfSquares(w), 1e-5 * expected);
        assertFalse(CpuKernels.applies(random(9, 8, 6).transpose()), "a transposed view is not dense C order");
        assertFalse(CpuKernels.applies(Nd4j.create(DataType.FLOAT, new long[]{8, 6}, 'f')));
        assertTrue(CpuKernels.applies(Nd4j.create(DataType.FLOAT, new long[]{1, 6}, 'f')), "one row is dense either way");
    }
}
