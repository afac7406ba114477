package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class FlatStoreTest {
    @Test
    void parametersBecomeViewsOfOneBuffer() {
        ParameterStore s = new ParameterStore(DataType.FLOAT, 1);
        Parameter a = s.normal("a.weight", 1.0, 3, 4);
        Parameter b = s.constant("b", 2.5);
        Parameter c = s.normal("c.weight", 1.0, 2, 2, 2);
        float[] before = a.value().dup().data().asFloat();
        s.flatten();
        assertEquals(12 + 1 + 8, s.flatValues().length());
        assertArrayEquals(before, a.value().dup().data().asFloat());
        assertEquals(2.5, b.value().getDouble(0), 0);
        // writes through a parameter show in the flat buffer and vice versa
        c.value().putScalar(new long[]{1, 1, 1}, 42);
        assertEquals(42, s.flatValues().getDouble(12 + 1 + 7), 0);
        s.flatGrads().assign(1);
        assertEquals(1, a.grad().getDouble(2, 3), 0);
        Nd4j.gemm(Nd4j.ones(DataType.FLOAT, 2, 3), Nd4j.ones(DataType.FLOAT, 2, 4), a.grad(), true, false, 1.0, 1.0);
        assertEquals(3, s.flatGrads().getDouble(11), 0);
        s.zeroGrad();
        assertEquals(0, s.flatGrads().sumNumber().doubleValue(), 0);
        assertThrows(IllegalStateException.class, () -> s.zeros("late", 2));
    }
}
