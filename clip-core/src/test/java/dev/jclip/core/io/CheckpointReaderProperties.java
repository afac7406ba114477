package dev.jclip.core.io;

import static org.junit.jupiter.api.Assertions.fail;

import dev.jclip.core.testing.HostileFiles;
import dev.jclip.core.testing.HostileFiles.TensorSpec;
import dev.jclip.core.testing.HostileFiles.ZipItem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Property tests of the checkpoint readers: valid files mutated at random (bytes replaced, the file cut short)
 * and plain random bytes are either read or refused with a {@link CheckpointException}; no other exception and
 * no {@link Error} (stack overflow, out of memory) ever escapes. Seeds are fixed so every build runs the same
 * cases; docs/RELIABILITY.md says how to run longer.
 */
class CheckpointReaderProperties {
    private static final String SEED = "20261204";
    private static Path dir;
    private static byte[] validPt;
    private static byte[] validSafetensors;
    private static byte[] validPickle;

    @BeforeContainer
    static void validFiles() throws IOException {
        dir = Files.createTempDirectory("reader-properties");
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> state = new LinkedHashMap<>();
        state.put("visual.proj", Nd4j.linspace(1, 12, 12).reshape(3, 4).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        state.put("logit_scale", Nd4j.scalar(2.5f));
        TorchZip.write(state, dir.resolve("valid.pt"));
        SafeTensors.write(state, Map.of("k", "v"), dir.resolve("valid.safetensors"));
        validPt = Files.readAllBytes(dir.resolve("valid.pt"));
        validSafetensors = Files.readAllBytes(dir.resolve("valid.safetensors"));
        Map<String, TensorSpec> dict = new LinkedHashMap<>();
        dict.put("a", new TensorSpec("0", 6, 0, new long[]{2, 3}, new long[]{3, 1}));
        dict.put("b", new TensorSpec("0", 6, 2, new long[]{2}, new long[]{1}));
        validPickle = new HostileFiles.Pickle().stateDict(dict);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        dev.jclip.core.testing.TestFolders.deleteFlat(dir);
    }

    @Provide
    Arbitrary<byte[]> mutatedPickles() {
        return dev.jclip.core.testing.Mutations.of(validPickle);
    }

    @Provide
    Arbitrary<byte[]> mutatedPts() {
        return dev.jclip.core.testing.Mutations.of(validPt);
    }

    @Provide
    Arbitrary<byte[]> mutatedSafetensors() {
        return dev.jclip.core.testing.Mutations.of(validSafetensors);
    }

    @Provide
    Arbitrary<byte[]> pickleOpcodes() { // random programs over the opcodes the reader knows: deeper coverage than random bytes
        byte[] ops = "()}]t\u0085\u0086\u0087KNJ\u0088\u0089ashqu012R\u0094.".getBytes(StandardCharsets.ISO_8859_1);
        return Arbitraries.of(toList(ops)).list().ofMaxSize(60).map(l -> {
            byte[] b = new byte[l.size() + 2];
            b[0] = (byte) 0x80;
            b[1] = 2;
            for (int i = 0; i < l.size(); i++) b[i + 2] = l.get(i);
            return b;
        });
    }

    @Property(seed = SEED)
    void picklesAreReadOrRefused(@ForAll("mutatedPickles") byte[] pickle) {
        readsOrRefuses(() -> new PickleReader(pickle, "fuzz.pkl", false).load());
    }

    @Property(seed = SEED)
    void randomPickleProgramsAreReadOrRefused(@ForAll("pickleOpcodes") byte[] pickle) {
        readsOrRefuses(() -> new PickleReader(pickle, "fuzz.pkl", true).load());
    }

    @Property(seed = SEED)
    void randomBytesAreNeverMoreThanARefusedPickle(@ForAll @Size(max = 300) byte[] bytes) {
        readsOrRefuses(() -> new PickleReader(bytes, "fuzz.pkl", false).load());
    }

    @Property(seed = SEED)
    void torchZipsAreReadOrRefused(@ForAll("mutatedPts") byte[] pt) {
        Path f = write("fuzz.pt", pt);
        readsOrRefuses(() -> Checkpoints.readStateDict(f));
    }

    @Property(seed = SEED)
    void zipsWithLyingSizesAreReadOrRefused(@ForAll @Size(max = 4) List<Long> declared, @ForAll boolean deflate) {
        byte[] pickle = new HostileFiles.Pickle().stateDict(Map.of("w", new TensorSpec("0", 4, 0, new long[]{4}, new long[]{1})));
        long size = declared.isEmpty() ? 16 : Math.floorMod(declared.get(0), 1L << 32);
        ZipItem storage = deflate ? ZipItem.deflated("archive/data/0", new byte[16], size)
                : new ZipItem("archive/data/0", new byte[16], 0, size, 0);
        Path f = write("lying.pt", HostileFiles.pt(pickle, List.of(storage)));
        readsOrRefuses(() -> TorchZip.read(f));
    }

    @Property(seed = SEED)
    void safetensorsFilesAreReadOrRefused(@ForAll("mutatedSafetensors") byte[] st) {
        Path f = write("fuzz.safetensors", st);
        readsOrRefuses(() -> Checkpoints.readStateDict(f));
    }

    private static Path write(String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void readsOrRefuses(Runnable read) {
        try {
            read.run();
        } catch (CheckpointException expected) {
            // refused, with a message: fine
        } catch (Throwable t) {
            fail("escaped the reader: " + t, t);
        }
    }

    private static List<Byte> toList(byte[] b) {
        List<Byte> out = new java.util.ArrayList<>();
        for (byte x : b) out.add(x);
        return out;
    }

    static byte[] le(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }
}
