package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Supplier;

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
}
