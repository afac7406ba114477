package dev.jclip.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchZipTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"vit-tiny", "rn-tiny"})
    void fixturePtEqualsFixtureSafetensors(String model) {
        Map<String, INDArray> pt = TorchZip.read(Fixtures.fixture(model, "model.pt"));
        Map<String, INDArray> st = SafeTensors.read(Fixtures.fixture(model, "model.safetensors"));
        Fixtures.assertSameState(st, pt);
        if (model.equals("rn-tiny")) {
            INDArray n = pt.get("visual.layer1.0.bn1.num_batches_tracked");
            assertEquals(DataType.LONG, n.dataType());
            assertEquals(0, n.rank());
        }
    }

    @Test
    void roundTripKeepsEveryTypeBitExact() {
        Map<String, INDArray> state = Fixtures.everyType();
        Path file = dir.resolve("all.pt");
        TorchZip.write(state, file);
        Fixtures.assertSameState(state, TorchZip.read(file));
        // Left in target/ for src/test/python/check_java_written.py, which loads them with torch itself.
        Path check = Path.of("target", "torch-check");
        TorchZip.write(state, check.resolve("java_written.pt"));
        SafeTensors.write(state, Map.of("format", "pt"), check.resolve("java_written.safetensors"));
    }

    @Test
    void fixtureRoundTripsThroughOurWriter() {
        Map<String, INDArray> st = SafeTensors.read(Fixtures.fixture("rn-tiny", "model.safetensors"));
        Path file = dir.resolve("rn.pt");
        TorchZip.write(st, file);
        Fixtures.assertSameState(st, TorchZip.read(file));
    }

    /** A pickle calling {@code module.name("touch <marker>")}, written with GLOBAL (protocol 2). */
    private static byte[] callingPickle(String module, String name, Path marker) {
        String cmd = "touch " + marker;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0x80);
        b.write(2);
        b.writeBytes(("c" + module + "\n" + name + "\n").getBytes());
        b.write('(');
        b.write('X');
        byte[] s = cmd.getBytes();
        b.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(s.length).array());
        b.writeBytes(s);
        b.write('t');
        b.write('R');
        b.write('.');
        return b.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"os.system", "posix.system", "builtins.eval", "subprocess.call", "torch.load"})
    void maliciousGlobalIsRefusedByName(String global) throws IOException {
        int dot = global.lastIndexOf('.');
        Path marker = dir.resolve("pwned");
        byte[] pickle = callingPickle(global.substring(0, dot), global.substring(dot + 1), marker);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> new PickleReader(pickle, "evil.pkl", true).load());
        assertTrue(e.getMessage().contains("'" + global + "'"), e.getMessage());

        Path zip = dir.resolve("evil.pt");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("evil/data.pkl"));
            z.write(pickle);
            z.closeEntry();
        }
        CheckpointException e2 = assertThrows(CheckpointException.class, () -> TorchZip.read(zip));
        assertTrue(e2.getMessage().contains(zip.toString()) && e2.getMessage().contains(global), e2.getMessage());
        assertFalse(Files.exists(marker));
    }

    @Test
    void stackGlobalIsCheckedToo() {
        // protocol 4: SHORT_BINUNICODE 'builtins', SHORT_BINUNICODE 'eval', STACK_GLOBAL
        byte[] p = {(byte) 0x80, 4, (byte) 0x8c, 8, 'b', 'u', 'i', 'l', 't', 'i', 'n', 's', (byte) 0x8c, 4, 'e', 'v', 'a', 'l',
                (byte) 0x93, ')', 'R', '.'};
        CheckpointException e = assertThrows(CheckpointException.class, () -> new PickleReader(p, "x.pkl", false).load());
        assertTrue(e.getMessage().contains("'builtins.eval'"), e.getMessage());
    }

    @Test
    void scriptClassesAreRefusedOutsideTorchScript() {
        byte[] p = ("\u0080\u0002c__torch__.evil\nModule\n)\u0081.").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        CheckpointException e = assertThrows(CheckpointException.class, () -> new PickleReader(p, "x.pkl", false).load());
        assertTrue(e.getMessage().contains("__torch__.evil.Module"), e.getMessage());
        Object o = new PickleReader(p, "x.pkl", true).load();
        assertTrue(o instanceof PickleReader.ScriptObject s && s.className().equals("__torch__.evil.Module"));
    }

    @Test
    void lyingLengthsAndTruncationAreErrors() {
        byte[] p = {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 'a', '.'};
        assertTrue(assertThrows(CheckpointException.class, () -> new PickleReader(p, "x.pkl", false).load())
                .getMessage().contains("runs past the end"));
        byte[] q = {(byte) 0x80, 2, '}', 'K', 1};
        assertTrue(assertThrows(CheckpointException.class, () -> new PickleReader(q, "x.pkl", false).load())
                .getMessage().contains("without STOP"));
    }

    /** Copies a zip, replacing one entry's bytes. */
    private static void rewrite(Path from, Path to, String entrySuffix, byte[] replacement) throws IOException {
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(from.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (ZipEntry e : java.util.Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(e.getName().endsWith(entrySuffix) ? replacement : in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
    }

    @Test
    void storageShorterThanDeclaredNamesTheTensor() throws IOException {
        Map<String, INDArray> state = new java.util.LinkedHashMap<>();
        state.put("visual.proj", Nd4j.rand(DataType.FLOAT, 4, 4));
        Path good = dir.resolve("good.pt");
        TorchZip.write(state, good);
        Path bad = dir.resolve("bad.pt");
        rewrite(good, bad, "/data/0", new byte[8]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchZip.read(bad));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("data/0")
                && e.getMessage().contains("needs 64"), e.getMessage());
        Path missing = dir.resolve("missing.pt");
        rewrite(good, missing, "/data.pkl", new PickleWriterForTest().tensorPickle("visual.proj", 1000, 4));
        CheckpointException m = assertThrows(CheckpointException.class, () -> TorchZip.read(missing));
        assertTrue(m.getMessage().contains("'visual.proj'") && m.getMessage().contains("reaches past storage"), m.getMessage());
    }

    /** A data.pkl with one float tensor of {@code rows x cols} over storage '0' declared with 16 elements. */
    private static final class PickleWriterForTest {
        byte[] tensorPickle(String name, int rows, int cols) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            b.writeBytes(new byte[]{(byte) 0x80, 2, '}'});
            string(b, name);
            b.writeBytes("ctorch._utils\n_rebuild_tensor_v2\n((".getBytes());
            string(b, "storage");
            b.writeBytes("ctorch\nFloatStorage\n".getBytes());
            string(b, "0");
            string(b, "cpu");
            b.writeBytes(new byte[]{'K', 16, 't', 'Q', 'K', 0, '('});
            b.write('M');
            b.write(rows & 0xff);
            b.write(rows >> 8);
            b.writeBytes(new byte[]{'K', (byte) cols, 't', '(', 'K', (byte) cols, 'K', 1, 't', (byte) 0x89, 'N', 't', 'R', 's', '.'});
            return b.toByteArray();
        }

        private static void string(java.io.ByteArrayOutputStream b, String s) {
            b.write('X');
            b.writeBytes(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(s.length()).array());
            b.writeBytes(s.getBytes());
        }
    }
}
