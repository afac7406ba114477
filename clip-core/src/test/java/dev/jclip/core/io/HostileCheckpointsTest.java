package dev.jclip.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.core.testing.HostileFiles;
import dev.jclip.core.testing.HostileFiles.TensorSpec;
import dev.jclip.core.testing.HostileFiles.ZipItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * Each crafted checkpoint of issue 20 is refused with a {@link CheckpointException} naming the file, quickly and
 * before the allocation it asks for (the forked-JVM memory check is clip-cli's HostileCorpusTest).
 */
class HostileCheckpointsTest {
    @TempDir
    Path dir;

    private static String refused(Path file, Executable read) {
        CheckpointException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(CheckpointException.class, read));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aZipEntryDeclaringMoreThanDeflateCanHoldIsRefusedBeforeAllocating() throws IOException {
        byte[] bytes = HostileFiles.lyingStoragePt();
        assertTrue(bytes.length < 1024, "the crafted file is " + bytes.length + " bytes");
        Path f = HostileFiles.write(dir.resolve("lies.pt"), bytes);
        String m = refused(f, () -> TorchZip.read(f));
        assertTrue(m.contains("data/0") && m.contains("4000000000"), m);
    }

    @Test
    void broadcastAndOverlappingViewsAreBoundedByTheStoredElements() throws IOException {
        Path stride0 = HostileFiles.write(dir.resolve("stride0.pt"), HostileFiles.stride0Pt());
        assertTrue(refused(stride0, () -> TorchZip.read(stride0)).contains("jclip.limit.viewExpansion"));
        Path overlap = HostileFiles.write(dir.resolve("overlap.pt"), HostileFiles.overlappingViewsPt(100, 16));
        assertTrue(refused(overlap, () -> TorchZip.read(overlap)).contains("overlapping or broadcast"));
        // Tied weights (two names, one storage) are within the default limit, and raising the limit admits more.
        Path tied = HostileFiles.write(dir.resolve("tied.pt"), HostileFiles.overlappingViewsPt(2, 16));
        assertEquals(Set.of("w0", "w1"), TorchZip.read(tied).keySet());
        System.setProperty(Limits.VIEW_EXPANSION.property(), "100");
        try {
            assertEquals(100, TorchZip.read(overlap).size());
        } finally {
            System.clearProperty(Limits.VIEW_EXPANSION.property());
        }
    }

    @Test
    void aDataPickleInflatingPastItsDeclaredSizeIsNotReadPastIt() throws IOException {
        Path f = HostileFiles.write(dir.resolve("bypass.pt"), HostileFiles.pickleSizeBypassPt(8 << 20));
        assertTrue(refused(f, () -> TorchZip.readInfos(f)).contains("more than the 200 bytes"));
    }

    @Test
    void aDataPickleOverTheLimitIsRefusedNamingTheProperty() throws IOException {
        byte[] big = new byte[4096];
        big[0] = (byte) 0x80;
        big[1] = 2;
        Path f = HostileFiles.write(dir.resolve("big.pt"), HostileFiles.pt(big, List.of()));
        System.setProperty(Limits.PICKLE_BYTES.property(), "1k");
        try {
            assertTrue(refused(f, () -> TorchZip.readInfos(f)).contains("-Djclip.limit.pickleBytes="));
        } finally {
            System.clearProperty(Limits.PICKLE_BYTES.property());
        }
    }

    @Test
    void deepSelfReferencingAndExponentialPicklesEndInAClearError() throws IOException {
        Path tuple = HostileFiles.write(dir.resolve("tuple-key.pt"), HostileFiles.pt(HostileFiles.deepTupleKeyPickle(80), List.of()));
        assertTrue(refused(tuple, () -> TorchZip.readInfos(tuple)).contains("dict key"));
        Path self = HostileFiles.write(dir.resolve("self.pt"), HostileFiles.pt(HostileFiles.selfReferencingKeyPickle(), List.of()));
        assertTrue(refused(self, () -> TorchZip.readInfos(self)).contains("dict key"));
        Path deep = HostileFiles.write(dir.resolve("deep.pt"), HostileFiles.pt(HostileFiles.deepListPickle(500_000), List.of()));
        assertTrue(refused(deep, () -> Checkpoints.readStateDict(deep)).contains("holds no tensors"));
    }

    @Test
    void picklesCreatingMoreValuesThanTheLimitAreRefused() {
        byte[] nones = new byte[1003];
        nones[0] = (byte) 0x80;
        nones[1] = 2;
        java.util.Arrays.fill(nones, 2, nones.length, (byte) 'N');
        System.setProperty(Limits.PICKLE_VALUES.property(), "1000");
        try {
            CheckpointException e = assertThrows(CheckpointException.class, () -> new PickleReader(nones, "x.pkl", false).load());
            assertTrue(e.getMessage().contains("x.pkl") && e.getMessage().contains("jclip.limit.pickleValues"), e.getMessage());
        } finally {
            System.clearProperty(Limits.PICKLE_VALUES.property());
        }
    }

    @Test
    void aOneTupleOfNoneIsATupleNotANullPointerException() { // found by CheckpointReaderProperties at 20,000 tries
        Object t = new PickleReader(new byte[]{(byte) 0x80, 2, 'N', (byte) 0x85, '.'}, "t.pkl", false).load();
        assertEquals(java.util.Arrays.asList((Object) null), ((PickleReader.Tuple) t).items());
    }

    @Test
    void torchScriptCodeIsScannedInLinearTime() throws IOException {
        Path f = HostileFiles.write(dir.resolve("quadratic.pt"), HostileFiles.torchScript(HostileFiles.quadraticCode(2_000_000)));
        Map<String, TensorInfo> infos = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> Checkpoints.inspect(f));
        assertEquals(Set.of("w"), infos.keySet());
    }

    @Test
    void torchScriptDeclarationsAreReadAsTheRegularExpressionsDid() throws IOException {
        String code = "class A(Module):\n  __parameters__ = [\"w\", ]\n  __buffers__ = ['b', ]\n  x : Tensor\n"
                + "class  B (Module):\n  __parameters__ = []\nclass_c = 1\n";
        Path f = HostileFiles.write(dir.resolve("decl.pt"), HostileFiles.torchScript(code));
        try (TorchArchive a = new TorchArchive(f)) {
            assertEquals(Map.of("__torch__.m.A", Set.of("w", "b"), "__torch__.m.B", Set.of()), TorchScript.declarations(a));
        }
        // A module whose class declares no 'w' parameter keeps no tensor.
        Path none = HostileFiles.write(dir.resolve("none.pt"), HostileFiles.torchScript("class A(Module):\n  __parameters__ = [\"v\", ]\n"));
        assertTrue(refused(none, () -> TorchScript.readInfos(none)).contains("holds no tensors"));
    }

    @Test
    void safetensorsTensorCountIsCappedWhileStreaming() throws IOException {
        Path f = HostileFiles.manyTensorsSafetensors(dir.resolve("many.safetensors"), 1001);
        System.setProperty(Limits.SAFETENSORS_TENSORS.property(), "1000");
        try {
            assertTrue(refused(f, () -> SafeTensors.open(f).close()).contains("jclip.limit.safetensorsTensors"));
        } finally {
            System.clearProperty(Limits.SAFETENSORS_TENSORS.property());
        }
        try (SafeTensors.Reader r = SafeTensors.open(f)) {
            assertEquals(1001, r.entries().size());
        }
        System.setProperty(Limits.SAFETENSORS_HEADER_BYTES.property(), "1k");
        try {
            assertTrue(refused(f, () -> SafeTensors.open(f).close()).contains("jclip.limit.safetensorsHeaderBytes"));
        } finally {
            System.clearProperty(Limits.SAFETENSORS_HEADER_BYTES.property());
        }
    }

    @Test
    void aSafetensorsHeaderOf1Point4MillionTensorsIsRefusedQuickly() throws IOException {
        Path f = HostileFiles.manyTensorsSafetensors(dir.resolve("1.4M.safetensors"), 1_400_000);
        assertTrue(refused(f, () -> Checkpoints.inspect(f)).contains("20001 tensors exceeds the limit of 20000"));
    }

    @Test
    void aDirectoryIsNamedWithTheOperation() throws IOException {
        Path d = Files.createDirectory(dir.resolve("model.pt"));
        String m = refused(d, () -> Checkpoints.readStateDict(d));
        assertTrue(m.contains("cannot read"), m);
    }

    @Test
    void limitsParseSizesAndRefuseNonsense() {
        assertEquals(64L << 20, Limits.parse("p", "64m"));
        assertEquals(2L << 30, Limits.parse("p", "2G"));
        assertEquals(1234, Limits.parse("p", " 1234 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.parse("jclip.limit.x", "lots"));
        assertTrue(e.getMessage().contains("-Djclip.limit.x=lots"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limits.parse("p", "-5"));
    }

    @Test
    void aCorrectArchiveWrittenByTheCraftingHelperReads() throws IOException {
        // The helper's zips are what the refusals above are measured against: a truthful one must read.
        byte[] pickle = new HostileFiles.Pickle().stateDict(Map.of("w", new TensorSpec("0", 2, 0, new long[]{2}, new long[]{1})));
        byte[] data = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
        Path f = HostileFiles.write(dir.resolve("ok.pt"), HostileFiles.pt(pickle, List.of(ZipItem.deflated("archive/data/0", data, 8))));
        assertEquals(-2f, TorchZip.read(f).get("w").getFloat(1));
    }
}
