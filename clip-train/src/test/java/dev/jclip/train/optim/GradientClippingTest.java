package dev.jclip.train.optim;

import dev.jclip.core.nn.Parameter;
import dev.jclip.core.nn.ParameterStore;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientClippingTest {

    @Test
    void clipsToMaxNormOverAllTrainableGradients() {
        ParameterStore store = new ParameterStore(DataType.DOUBLE, 0);
        Parameter a = store.zeros("a", 2);
        Parameter b = store.zeros("b", 1);
        Parameter frozen = store.zeros("c", 1);
        a.grad().assign(Nd4j.createFromArray(3.0, 0.0));
        b.grad().assign(Nd4j.createFromArray(4.0));
        frozen.grad().assign(Nd4j.createFromArray(100.0));
        frozen.setTrainable(false);

        assertEquals(5.0, GradientClipping.globalNorm(store), 1e-12);   // frozen gradient not counted
        double before = GradientClipping.clip(store, 1.0);
        assertEquals(5.0, before, 1e-12);
        double coef = 1.0 / (5.0 + 1e-6);
        assertEquals(3.0 * coef, a.grad().getDouble(0), 1e-12);
        assertEquals(4.0 * coef, b.grad().getDouble(0), 1e-12);
        assertEquals(100.0, frozen.grad().getDouble(0), 0);
        assertTrue(GradientClipping.globalNorm(store) < 1.0);
    }

    @Test
    void leavesSmallAndNonFiniteGradientsAlone() {
        ParameterStore store = new ParameterStore(DataType.FLOAT, 0);
        Parameter a = store.zeros("a", 2);
        a.grad().assign(Nd4j.createFromArray(0.3f, 0.4f));
        assertEquals(0.5, GradientClipping.clip(store, 1.0), 1e-6);
        assertEquals(0.3f, a.grad().getFloat(0), 0);
        a.grad().putScalar(1, Float.NaN);
        assertTrue(Double.isNaN(GradientClipping.clip(store, 1.0)));
        assertEquals(0.3f, a.grad().getFloat(0), 0);
    }
}
