package dev.jclip.core.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared helpers: fixture paths, raw tensor bytes, exact comparison, tensors of every type. */
final class Fixtures {
    private Fixtures() {
    }

    static Path testdata() {
        return dev.jclip.core.testing.Fixtures.testdata();
    }

    static Path fixture(String model, String file) {
        return testdata().resolve("fixtures").resolve(model).resolve(file);
    }

    /** The tensor's elements as little-endian bytes in C order. */
    static byte[] bytes(INDArray a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            TensorBytes.write(a, Channels.newChannel(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Same keys in the same order, same dtypes, shapes and bytes. */
    static void assertSameState(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(String.join(",", expected.keySet()), String.join(",", actual.keySet()));
        for (String k : expected.keySet()) {
            INDArray e = expected.get(k);
            INDArray a = actual.get(k);
            assertEquals(e.dataType(), a.dataType(), k);
            assertArrayEquals(e.shape(), a.shape(), k + " shape");
            assertArrayEquals(bytes(e), bytes(a), k + " bytes");
        }
    }

    /** One random tensor per supported type, including a scalar and a non-contiguous view. */
    static Map<String, INDArray> everyType() {
        SplittableRandom rng = new SplittableRandom(7);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("f32", random(rng, DataType.FLOAT, 3, 5));
        m.put("f16", random(rng, DataType.FLOAT, 4, 2).castTo(DataType.HALF));
        m.put("bf16", random(rng, DataType.FLOAT, 7).castTo(DataType.BFLOAT16));
        m.put("f64", random(rng, DataType.DOUBLE, 2, 3, 2));
        m.put("i64", Nd4j.createFromArray(new long[]{Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}));
        m.put("i32", Nd4j.createFromArray(new int[][]{{Integer.MIN_VALUE, 2}, {3, Integer.MAX_VALUE}}));
        m.put("scalar_i64", Nd4j.scalar(DataType.LONG, 12345L));
        m.put("scalar_f32", Nd4j.scalar(DataType.FLOAT, 2.5f));
        m.put("transposed", random(rng, DataType.FLOAT, 4, 6).transpose());
        return m;
    }

    private static INDArray random(SplittableRandom rng, DataType type, long... shape) {
        double[] v = new double[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble() * 4 - 2;
        return Nd4j.create(v, shape, type);
    }
}
