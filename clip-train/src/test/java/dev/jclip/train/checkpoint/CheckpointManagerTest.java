package dev.jclip.train.checkpoint;

import dev.jclip.train.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointManagerTest {
    @TempDir
    Path tmp;

    private static Checkpoint sample(long step) {
        Map<String, INDArray> model = new LinkedHashMap<>();
        model.put("visual.proj", Nd4j.randn(step, new long[]{3, 4}).castTo(DataType.FLOAT));
        model.put("logit_scale", Nd4j.scalar(DataType.FLOAT, 2.6592600345611572));
        model.put("visual.bn1.running_mean", Nd4j.randn(step + 1, new long[]{5}));   // double
        model.put("visual.bn1.num_batches_tracked", Nd4j.scalar(DataType.LONG, 12345678901L));
        Map<String, INDArray> opt = new LinkedHashMap<>();
        opt.put("exp_avg.visual.proj", Nd4j.randn(step + 2, new long[]{3, 4}).castTo(DataType.FLOAT));
        opt.put("exp_avg_sq.visual.proj", Nd4j.rand(DataType.FLOAT, 3, 4));
        TrainingState st = new TrainingState(step, 2, 7, step * 64, step, 0xDEADBEEFCAFEL, "{\"shard\":3,\"offset\":17}");
        return new Checkpoint(model, opt, st, "{\"model\":\"ViT-tiny\"}", "{\"embed_dim\":64}", null);
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        CheckpointManager cm = new CheckpointManager(tmp.resolve("checkpoints"), 3, new SafeTensorsFile());
        Checkpoint c = sample(10);
        Path p = cm.save(c);
        assertEquals("step-00000010.safetensors", p.getFileName().toString());
        Checkpoint back = CheckpointManager.load(p, new SafeTensorsFile());
        assertEquals(c.state(), back.state());
        assertEquals(c.trainConfigJson(), back.trainConfigJson());
        assertEquals(c.modelConfigJson(), back.modelConfigJson());
        assertEquals(c.model().keySet(), back.model().keySet());
        assertEquals(c.optimizer().keySet(), back.optimizer().keySet());
        for (String k : c.model().keySet()) assertBitEqual(c.model().get(k), back.model().get(k), k);
        for (String k : c.optimizer().keySet()) assertBitEqual(c.optimizer().get(k), back.optimizer().get(k), k);
        // --init reads only the weights
        assertEquals(c.model().keySet(), CheckpointManager.loadWeights(p).keySet());
    }

    @Test
    void keepsOnlyTheNewestAndFindsLatest() throws IOException {
        CheckpointManager cm = new CheckpointManager(tmp, 2, new SafeTensorsFile());
        assertTrue(cm.latest().isEmpty());
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> cm.resolve("latest"));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
        for (long s : new long[]{5, 10, 100, 15}) cm.save(sample(s));
        // step 15 is newer by name order than 10, so the two kept are 15 and 100
        assertEquals(List.of(cm.pathFor(15), cm.pathFor(100)), cm.list());
        assertEquals(cm.pathFor(100), cm.resolve("latest"));
        assertEquals(cm.pathFor(15), cm.resolve(cm.pathFor(15).toString()));
        assertThrows(NoSuchFileException.class, () -> cm.resolve(tmp.resolve("nope.safetensors").toString()));
    }

    @Test
    void failedWriteLeavesEarlierCheckpointsIntactAndNoPartialFile() throws IOException {
        Path dir = tmp.resolve("ck");
        CheckpointManager good = new CheckpointManager(dir, 0, new SafeTensorsFile());
        Path first = good.save(sample(1));
        byte[] before = Files.readAllBytes(first);
        TensorFile failing = new TensorFile() {
            @Override
            public void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
                Files.write(path, new byte[]{1, 2, 3});           // a partial file, then the disk "fails"
                throw new IOException("disk full");
            }

            @Override
            public Contents read(Path path) {
                throw new UnsupportedOperationException();
            }
        };
        CheckpointManager bad = new CheckpointManager(dir, 0, failing);
        assertThrows(IOException.class, () -> bad.save(sample(2)));
        assertEquals(List.of(first), good.list());
        assertEquals(first, good.resolve("latest"));
        assertArrayEquals(before, Files.readAllBytes(first));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "temporary file left behind");
        }
    }

    @Test
    void initWeightsComeFromAnyStateDictFormat() throws IOException {
        Map<String, INDArray> st = CheckpointManager.loadWeights(Fixtures.vitTiny("model.safetensors"));
        Map<String, INDArray> pt = CheckpointManager.loadWeights(Fixtures.vitTiny("model.pt"));
        assertEquals(st.keySet(), pt.keySet());
        for (String k : st.keySet()) assertBitEqual(st.get(k), pt.get(k), k);
    }

    @Test
    void plainWeightsAreNotACheckpoint() {
        Path weights = Fixtures.vitTiny("model.safetensors");
        IOException e = assertThrows(IOException.class, () -> CheckpointManager.load(weights, new SafeTensorsFile()));
        assertTrue(e.getMessage().contains(weights.toString()) && e.getMessage().contains("--init"), e.getMessage());
    }

    @Test
    void truncatedFileIsReportedWithItsName() throws IOException {
        CheckpointManager cm = new CheckpointManager(tmp, 0, new SafeTensorsFile());
        Path p = cm.save(sample(3));
        byte[] all = Files.readAllBytes(p);
        Path cut = tmp.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 10));
        IOException e = assertThrows(IOException.class, () -> CheckpointManager.load(cut, new SafeTensorsFile()));
        assertTrue(e.getMessage().contains("cut.safetensors"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    private static void assertBitEqual(INDArray want, INDArray got, String key) {
        assertEquals(want.dataType(), got.dataType(), key);
        assertArrayEquals(want.shape(), got.shape(), key);
        switch (want.dataType()) {
            case LONG -> assertArrayEquals(want.dup().data().asLong(), got.dup().data().asLong(), key);
            case DOUBLE -> assertArrayEquals(want.dup().data().asDouble(), got.dup().data().asDouble(), 0, key);
            default -> assertArrayEquals(want.dup().data().asFloat(), got.dup().data().asFloat(), 0, key);
        }
    }
}
