package dev.jclip.core.nn;

import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every layer's backward against central finite differences in double precision. */
class LayerGradientTest {
    private static final double TOL = 1e-5;

    /** Loss = sum(layer(x) * r) for a fixed random r: its gradient wrt the output is r. */
    private static void checkLayer(ParameterStore store, Supplier<Layer> make, long rows, long cols) {
        Layer layer = make.get();
        INDArray x = randn(rows, cols, 7);
        INDArray out = layer.forward(x);
        INDArray r = randn(out.rows(), out.columns(), 11);
        store.zeroGrad();
        INDArray dx = layer.backward(r.dup());
        java.util.function.DoubleSupplier loss = () -> layer.forward(x).mul(r).sumNumber().doubleValue();
        GradCheck.Report input = GradCheck.checkInput(x, dx, loss);
        assertTrue(input.maxRelError() < TOL, "input gradient: " + input);
        GradCheck.Report params = GradCheck.check(store.parameters(), loss, 40, 3);
        assertTrue(params.maxRelError() < TOL, "parameter gradient: " + params);
    }

    static INDArray randn(long rows, long cols, long seed) {
        return Nd4j.rand(new java.util.Random(seed).nextLong() == 0 ? DataType.DOUBLE : DataType.DOUBLE, rows, cols)
                .muli(2).subi(1).addi(Nd4j.randn(DataType.DOUBLE, rows, cols).muli(0.5));
    }

    private static ParameterStore store() {
        return new ParameterStore(DataType.DOUBLE, 5);
    }

    @Test
    void linear() {
        ParameterStore s = store();
        Linear l = Linear.create(s, "fc", 5, 4);
        checkLayer(s, () -> l, 6, 5);
        assertThrows(NullPointerException.class, () -> new Linear(l.weight(), null), "a Linear always has its bias");
    }

    @Test
    void layerNorm() {
        ParameterStore s = store();
        LayerNorm ln = new LayerNorm(s.normal("ln.weight", 1.0, 6), s.normal("ln.bias", 1.0, 6));
        checkLayer(s, () -> ln, 5, 6);
    }

    @Test
    void quickGelu() {
        QuickGelu g = new QuickGelu();
        checkLayer(store(), () -> g, 4, 7);
    }

    @Test
    void gelu() {
        Gelu g = new Gelu();
        checkLayer(store(), () -> g, 4, 7);
    }

    @Test
    void attentionCausalAndFull() {
        for (boolean causal : List.of(true, false)) {
            ParameterStore s = store();
            MultiheadSelfAttention a = MultiheadSelfAttention.create(s, "attn", 8, 2, 3, causal, 0.3, 0.3);
            s.get("attn.in_proj_bias").value().assign(Nd4j.randn(DataType.DOUBLE, 24).muli(0.1));
            checkLayer(s, () -> a, 2 * 3, 8);
        }
    }

    @Test
    void residualBlock() {
        ParameterStore s = store();
        Transformer t = Transformer.create(s, "t", 8, 2, 2, 4, true, 2.0, true, Transformer.Init.openAiText(8, 2));
        checkLayer(s, () -> t, 2 * 4, 8);
    }

    @Test
    void transformerWithGelu() {
        ParameterStore s = store();
        Transformer t = Transformer.create(s, "t", 8, 1, 4, 3, false, 4.0, false, Transformer.Init.TORCH_DEFAULT);
        checkLayer(s, () -> t, 3 * 3, 8);
    }

    @Test
    void scatterAddAccumulatesDuplicates() {
        INDArray table = Nd4j.zeros(DataType.DOUBLE, 4, 2);
        INDArray idx = Nd4j.createFromArray(1, 3, 1);
        INDArray upd = Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}, {5, 6}});
        Ops.scatterAddRows(table, idx, upd);
        assertTrue(table.equals(Nd4j.createFromArray(new double[][]{{0, 0}, {6, 8}, {0, 0}, {3, 4}})), table.toString());
    }
}
