package dev.jclip.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Access to the PyTorch parity fixtures in the repository's testdata/fixtures, for tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /** The repository's testdata folder (system property jclip.testdata, set by the build). */
    public static Path testdata() {
        String p = System.getProperty("jclip.testdata");
        Path path = p != null ? Path.of(p) : Path.of("../testdata");
        if (!Files.isDirectory(path)) throw new IllegalStateException("testdata folder not found: " + path.toAbsolutePath());
        return path;
    }

    public static Path fixture(String name) {
        return testdata().resolve("fixtures").resolve(name);
    }

    /** A .npy file as an ND4J array in its stored type (Fortran-ordered files included). */
    public static INDArray npy(Path file) {
        try {
            return dev.jclip.core.io.Npy.read(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A deliberately minimal safetensors reader for tests (F32, F64, I64 only), independent of the library's
     * own reader so the two can check each other.
     */
    public static Map<String, INDArray> safetensors(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLen, java.nio.charset.StandardCharsets.UTF_8));
        int base = 8 + headerLen;
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.get("shape").get(i).asLong();
            int start = base + t.get("data_offsets").get(0).asInt();
            int end = base + t.get("data_offsets").get(1).asInt();
            ByteBuffer slice = ByteBuffer.wrap(bytes, start, end - start).order(ByteOrder.LITTLE_ENDIAN);
            INDArray arr;
            switch (t.get("dtype").asText()) {
                case "F32" -> {
                    float[] v = new float[(end - start) / 4];
                    slice.asFloatBuffer().get(v);
                    arr = Nd4j.create(v, shape, DataType.FLOAT);
                }
                case "F64" -> {
                    double[] v = new double[(end - start) / 8];
                    slice.asDoubleBuffer().get(v);
                    arr = Nd4j.create(v, shape, DataType.DOUBLE);
                }
                case "I64" -> {
                    long[] v = new long[(end - start) / 8];
                    slice.asLongBuffer().get(v);
                    arr = shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape(shape);
                }
                default -> throw new IOException(file + ": test reader does not handle dtype " + t.get("dtype") + " of " + e.getKey());
            }
            out.put(e.getKey(), arr);
        }
        return out;
    }

    /** The config JSON stored in a fixture's safetensors metadata. */
    public static String metadataConfig(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int headerLen = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, headerLen, java.nio.charset.StandardCharsets.UTF_8));
        return header.get("__metadata__").get("config").asText();
    }

    /** Largest absolute difference between two arrays (compared in double). */
    public static double maxAbsDiff(INDArray a, INDArray b) {
        INDArray x = a.castTo(DataType.DOUBLE).reshape(-1);
        INDArray y = b.castTo(DataType.DOUBLE).reshape(-1);
        if (x.length() != y.length()) throw new AssertionError("length " + x.length() + " vs " + y.length());
        return Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.reduce.same.AMax(x.sub(y))).getDouble(0);
    }
}
