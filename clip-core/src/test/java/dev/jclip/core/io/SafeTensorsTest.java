package dev.jclip.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryTypeBitExact() {
        Map<String, INDArray> state = Fixtures.everyType();
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(state, Map.of("config", "{}"), file);
        Map<String, INDArray> back = SafeTensors.read(file);
        Fixtures.assertSameState(state, back);
        try (SafeTensors.Reader r = SafeTensors.open(file)) {
            assertEquals("{}", r.metadata().get("config"));
            assertEquals(0, r.read("scalar_i64").rank());
            assertEquals(12345L, r.read("scalar_i64").getLong(0));
            INDArray asFloat = r.read("f16", DataType.FLOAT);
            assertEquals(DataType.FLOAT, asFloat.dataType());
            assertEquals(state.get("f16").castTo(DataType.FLOAT), asFloat);
        }
    }

    @Test
    void readsFixtureWithScalarsAndLongs() {
        try (SafeTensors.Reader r = SafeTensors.open(Fixtures.fixture("rn-tiny", "model.safetensors"))) {
            assertTrue(r.metadata().get("config").contains("\"vision_heads\": 2"));
            INDArray n = r.read("visual.bn1.num_batches_tracked");
            assertEquals(DataType.LONG, n.dataType());
            assertEquals(0, n.rank());
            assertArrayEquals(new long[]{16, 64}, r.read("positional_embedding").shape());
            assertEquals(0, r.read("logit_scale").rank());
        }
    }

    /** Writes a file with the given header JSON and {@code data} bytes after it. */
    private Path fileWithHeader(String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static String message(Path f) {
        return assertThrows(CheckpointException.class, () -> SafeTensors.read(f)).getMessage();
    }

    @Test
    void absurdHeaderLengthIsAnErrorNotAnAllocation() throws IOException {
        Path f = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).put("{}      ".getBytes());
        Files.write(f, b.array());
        String m = message(f);
        assertTrue(m.contains(f.toString()) && m.contains("header length"), m);
        String viaEntryPoint = assertThrows(CheckpointException.class, () -> Checkpoints.readStateDict(f)).getMessage();
        assertTrue(viaEntryPoint.contains("header length"), viaEntryPoint);
    }

    @Test
    void duplicateKeysAreRejected() throws IOException {
        Path f = fileWithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8);
        String m = message(f);
        assertTrue(m.contains("Duplicate field 'w'"), m);
    }

    @Test
    void offsetsPastTheEndNameTheKey() throws IOException {
        Path f = fileWithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        String m = message(f);
        assertTrue(m.contains("'w'") && m.contains("outside"), m);
    }

    @Test
    void sizeNotMatchingShapeNamesTheKey() throws IOException {
        Path f = fileWithHeader("{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16);
        String m = message(f);
        assertTrue(m.contains("'w'") && m.contains("needs 8"), m);
    }

    @Test
    void overlappingTensorsAreRejected() throws IOException {
        Path f = fileWithHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        String m = message(f);
        assertTrue(m.contains("overlap") && m.contains("'a'") && m.contains("'b'"), m);
    }

    @Test
    void overflowingShapeAndUnknownDtypeAreRejected() throws IOException {
        Path f = fileWithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8);
        assertTrue(message(f).contains("overflows"));
        Path g = fileWithHeader("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        assertTrue(message(g).contains("unsupported dtype F8_E4M3"));
        Path h = fileWithHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4);
        assertTrue(message(h).contains("bad shape"));
    }

    @Test
    void truncatedJsonIsRejected() throws IOException {
        Path f = fileWithHeader("{\"w\":{\"dtype\":", 0);
        assertTrue(message(f).contains("not valid JSON"));
    }
}
