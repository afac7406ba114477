package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused float32 CPU kernels against the same layers run in double precision through plain ND4J ops (the path
 * the CUDA backend takes): outputs and every gradient agree to float rounding.
 */
class CpuKernelsTest {

    private static double maxRel(INDArray a, INDArray b) {
        INDArray x = a.castTo(DataType.DOUBLE), y = b.castTo(DataType.DOUBLE);
        double scale = Math.max(y.amaxNumber().doubleValue(), 1e-6);
        return x.sub(y).amaxNumber().doubleValue() / scale;
    }

    /** Runs the same layer in FLOAT (fused kernels) and DOUBLE (ND4J ops) and compares output, input grad and param grads. */
    private static void compare(java.util.function.Function<ParameterStore, Layer> make, long rows, long cols) {
        ParameterStore sf = new ParameterStore(DataType.FLOAT, 9);
        ParameterStore sd = new ParameterStore(DataType.DOUBLE, 9);
        Layer lf = make.apply(sf), ld = make.apply(sd);
        for (Parameter p : sf) sd.get(p.name()).value().assign(p.value());
        INDArray x = Nd4j.randn(DataType.FLOAT, rows, cols).muli(2).addi(0.3);
        INDArray yf = lf.forward(x.dup()), yd = ld.forward(x.castTo(DataType.DOUBLE));
        assertTrue(maxRel(yf, yd) < 1e-5, "forward " + maxRel(yf, yd));
        INDArray g = Nd4j.randn(DataType.FLOAT, yf.shape());
        INDArray dxf = lf.backward(g.dup()), dxd = ld.backward(g.castTo(DataType.DOUBLE));
        assertTrue(maxRel(dxf, dxd) < 1e-4, "input grad " + maxRel(dxf, dxd));
        for (Parameter p : sf) {
            double e = maxRel(p.grad(), sd.get(p.name()).grad());
            assertTrue(e < 1e-4, p.name() + " grad " + e);
        }
    }

    @Test
    void kernelsAreActiveForFloatOnCpu() {
        assertTrue(CpuKernels.applies(Nd4j.ones(DataType.FLOAT, 2, 2)) || "nd4j".equals(System.getProperty("jclip.kernels")));
    }

    @Test
    void layerNorm() {
        compare(s -> new LayerNorm(s.normal("ln.weight", 1.0, 24), s.normal("ln.bias", 1.0, 24)), 37, 24);
    }

    @Test
    void quickGelu() {
        compare(s -> new QuickGelu(), 13, 17);
    }

    @Test
    void causalAndFullAttention() {
        for (boolean causal : new boolean[]{true, false}) {
            compare(s -> MultiheadSelfAttention.create(s, "attn", 16, 4, 5, causal, 0.3, 0.3), 3 * 5, 16);
        }
    }

    @Test
    void transformerBlocks() {
        compare(s -> Transformer.create(s, "t", 16, 2, 2, 6, true, 4.0, true, Transformer.Init.openAiText(16, 2)), 4 * 6, 16);
    }

    /** Runs body with ND4J (and so the kernels) limited to n threads. */
    private static void withThreads(int n, Runnable body) {
        int before = Nd4j.getEnvironment().maxThreads();
        Nd4j.getEnvironment().setMaxThreads(n);
        try {
            body.run();
        } finally {
            Nd4j.getEnvironment().setMaxThreads(before);
        }
    }

    /**
     * The fused attention at CLIP's head widths (16, 24 with a vector tail, 32, 64), causal and not, on one and two
     * kernel threads (batches large enough to be split).
     */
    @Test
    void fusedAttentionAtRealHeadWidths() {
        int[][] shapes = {{64, 4, 17}, {48, 2, 9}, {96, 3, 33}, {128, 2, 7}}; // width, heads, T
        for (int threads : new int[]{1, 2}) {
            withThreads(threads, () -> {
                for (int[] sh : shapes) {
                    for (boolean causal : new boolean[]{true, false}) {
                        compare(s -> MultiheadSelfAttention.create(s, "attn", sh[0], sh[1], sh[2], causal, 0.2, 0.2),
                                12L * sh[2], sh[0]);
                    }
                }
                compare(s -> new LayerNorm(s.normal("ln.weight", 1.0, 96), s.normal("ln.bias", 1.0, 96)), 1000, 96);
                compare(s -> new QuickGelu(), 300, 200);
                compare(s -> BatchNorm2d.create(s, "bn", 40, 0.7), 2000, 40);   // rows of channels-last pixels
                compare(s -> new Relu(), 300, 70);
            });
        }
    }

    @Test
    void patchifyMatchesThePermutedView() {
        withThreads(2, () -> {
            INDArray images = Nd4j.randn(DataType.FLOAT, 5, 3, 16, 16);
            int p = 4, g = 4;
            INDArray expected = images.reshape(5, 3, g, p, g, p).permute(0, 2, 4, 1, 3, 5).dup('c').reshape(5L * g * g, 3L * p * p);
            INDArray got = Nd4j.create(DataType.FLOAT, 5L * g * g, 3L * p * p);
            CpuKernels.patchify(images, p, got);
            assertEquals(expected, got);
        });
    }

    @Test
    void addRowsSumsDuplicatesAndRejectsBadIndices() {
        INDArray table = Nd4j.ones(DataType.FLOAT, 4, 3);
        INDArray updates = Nd4j.createFromArray(new float[][]{{1, 2, 3}, {10, 20, 30}, {100, 200, 300}});
        CpuKernels.addRows(table, new long[]{2, 0, 2}, updates);
        assertEquals(Nd4j.createFromArray(new float[][]{{11, 21, 31}, {1, 1, 1}, {102, 203, 304}, {1, 1, 1}}), table);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CpuKernels.addRows(table, new long[]{0, 4, 1}, updates));
        assertTrue(e.getMessage().contains("4"), e.getMessage());
    }
}
