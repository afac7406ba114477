package dev.jclip.core.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Random initialisation fills parameters a chunk at a time; the values must be those of one whole-array draw. */
class ParameterInitTest {

    /** The plain reference: every draw into one double array, then one conversion to the store's type. */
    private static INDArray wholeArray(ParameterStore s, String name, long[] shape, boolean gaussian, double scale) {
        SplittableRandom rng = s.rngFor(name);
        int n = 1;
        for (long d : shape) n *= (int) d;
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = gaussian ? ParameterStore.gaussian(rng) * scale : (rng.nextDouble() * 2 - 1) * scale;
        }
        return Nd4j.create(values, shape, s.dtype());
    }

    @Test
    void chunkedDrawsEqualOneWholeArrayDrawBitForBit() {
        // 129 x 200 = 25,800 values: more than one chunk, and not a multiple of it
        long[][] shapes = {{129, 200}, {3, 4}, {}};
        for (DataType dtype : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            ParameterStore s = new ParameterStore(dtype, 7);
            for (int k = 0; k < shapes.length; k++) {
                long[] shape = shapes[k];
                INDArray normal = s.normal("n" + k, 0.02, shape).value();
                INDArray uniform = s.uniform("u" + k, 0.5, shape).value();
                assertArrayEquals(shape, normal.shape());
                assertEquals(dtype, normal.dataType());
                INDArray expectN = wholeArray(s, "n" + k, shape, true, 0.02);
                INDArray expectU = wholeArray(s, "u" + k, shape, false, 0.5);
                assertArrayEquals(expectN.data().asDouble(), normal.data().asDouble(), dtype + " normal " + k);
                assertArrayEquals(expectU.data().asDouble(), uniform.data().asDouble(), dtype + " uniform " + k);
            }
        }
    }
}
