package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.nn.Parameter;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.optim.AdamW;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final ClipConfig TINY = ClipConfig.preset("ViT-tiny");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static SyntheticBatches shapes(int pairs, int batch) {
        return new SyntheticBatches(pairs, TINY.vision().imageSize(), TINY.text().contextLength(), TINY.text().vocabSize(), batch, 7);
    }

    /** 16 pairs a step in 2 micro-batches, 4 steps an epoch, 6 steps: crosses an epoch boundary. */
    private TrainConfig resumeConfig(Path out) {
        return TestConfigs.of("model", "ViT-tiny", "batch-size", 16, "accum-freq", 2, "steps", 6, "lr", 1e-3,
                "warmup", 2, "grad-clip-norm", 1.0, "output", out.toString(), "checkpoint-every", 2,
                "keep-checkpoints", 2, "log-every", 1, "seed", 11);
    }

    private static final class Interrupt extends RuntimeException {
    }

    @Test
    void interruptedAndResumedRunEndsBitIdenticalToUninterruptedOne() throws Exception {
        Path a = tmp.resolve("a");
        List<String> epochsEnded = new ArrayList<>();
        Trainer.builder().config(resumeConfig(a)).data(shapes(64, 16)).interactive(false)
                .onEpoch((epoch, step) -> epochsEnded.add(epoch + "@" + step)).build().fit();
        assertEquals(List.of("0@4"), epochsEnded);   // epoch 1 is cut short at step 6 of 8

        Path b = tmp.resolve("b");
        List<Path> saved = new ArrayList<>();
        assertThrows(Interrupt.class, () -> Trainer.builder().config(resumeConfig(b)).data(shapes(64, 16)).interactive(false)
                .onCheckpoint((p, step) -> saved.add(p))
                .onStep(m -> {
                    if (m.step() == 3) throw new Interrupt();    // a crash after step 3; last checkpoint: step 2
                }).build().fit());
        assertEquals(1, saved.size());
        assertFalse(Files.exists(b.resolve("model.safetensors")));

        // starting again without --resume is refused rather than silently overwriting the run
        ConfigException refused = assertThrows(ConfigException.class,
                () -> Trainer.builder().config(resumeConfig(b)).data(shapes(64, 16)).build());
        assertTrue(refused.getMessage().contains("resume"), refused.getMessage());

        TrainConfig resumed = resumeConfig(b).with(Map.of("resume", "latest"), "test");
        Trainer.Result r = Trainer.builder().config(resumed).data(shapes(64, 16)).interactive(false).build().fit();
        assertEquals(6, r.steps());
        assertEquals(96, r.samplesSeen());

        Map<String, INDArray> wa = new SafeTensorsFile().read(a.resolve("model.safetensors")).tensors();
        Map<String, INDArray> wb = new SafeTensorsFile().read(b.resolve("model.safetensors")).tensors();
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).data().asFloat(), wb.get(k).data().asFloat(), 0f, "weights differ: " + k);
        }
        // optimiser moments too
        var ca = CheckpointManager.load(a.resolve("checkpoints/step-00000006.safetensors"), new SafeTensorsFile());
        var cb = CheckpointManager.load(b.resolve("checkpoints/step-00000006.safetensors"), new SafeTensorsFile());
        assertEquals(ca.optimizer().keySet(), cb.optimizer().keySet());
        for (String k : ca.optimizer().keySet()) {
            assertArrayEquals(ca.optimizer().get(k).data().asFloat(), cb.optimizer().get(k).data().asFloat(), 0f, k);
        }
        assertEquals(ca.state(), cb.state());
        // keep-checkpoints 2
        assertEquals(List.of("step-00000004.safetensors", "step-00000006.safetensors"),
                Files.list(b.resolve("checkpoints")).map(p -> p.getFileName().toString()).sorted().toList());

        // metrics.jsonl reads like the uninterrupted run: same steps and losses, the interrupted step 3 replaced
        List<JsonNode> ma = metrics(a);
        List<JsonNode> mb = metrics(b);
        assertEquals(6, ma.size());
        assertEquals(ma.stream().map(n -> n.get("step").asLong()).toList(), mb.stream().map(n -> n.get("step").asLong()).toList());
        for (int i = 0; i < ma.size(); i++) {
            assertEquals(ma.get(i).get("loss").asDouble(), mb.get(i).get("loss").asDouble(), 0.0, "loss at step " + (i + 1));
            assertEquals(ma.get(i).get("lr").asDouble(), mb.get(i).get("lr").asDouble(), 0.0);
        }
        for (String field : List.of("loss", "lr", "logit_scale", "grad_norm", "samples_seen", "samples_per_s", "data_wait", "epoch")) {
            assertTrue(ma.get(0).has(field), "metrics.jsonl lacks " + field);
        }
        assertEquals(1, ma.get(5).get("epoch").asInt());
        assertTrue(Files.readString(b.resolve("train.log")).contains("resumed"));
        assertFalse(Files.readString(b.resolve("train.log")).contains("options changed"));
        assertEquals(resumed, TrainConfig.load(b.resolve("config.json")));
    }

    @Test
    void stopRequestCheckpointsTheCurrentStepAndResumesExactly() throws Exception {
        Path a = tmp.resolve("full");
        Trainer.builder().config(resumeConfig(a)).data(shapes(64, 16)).interactive(false).build().fit();
        Path b = tmp.resolve("stopped");
        Trainer[] self = new Trainer[1];
        self[0] = Trainer.builder().config(resumeConfig(b)).data(shapes(64, 16)).interactive(false)
                .onStep(m -> {
                    if (m.step() == 3) self[0].requestStop();   // as a Ctrl-C shutdown hook would, mid-step
                }).build();
        Trainer.Result stopped = self[0].fit();
        assertTrue(stopped.stopped());
        assertEquals(3, stopped.steps());
        assertEquals(b.resolve("checkpoints/step-00000003.safetensors"), stopped.lastCheckpoint());
        assertFalse(Files.exists(b.resolve("model.safetensors")));
        Trainer.Result done = Trainer.builder().config(resumeConfig(b).with(Map.of("resume", "latest"), "test"))
                .data(shapes(64, 16)).interactive(false).build().fit();
        assertFalse(done.stopped());
        Map<String, INDArray> wa = new SafeTensorsFile().read(a.resolve("model.safetensors")).tensors();
        Map<String, INDArray> wb = new SafeTensorsFile().read(b.resolve("model.safetensors")).tensors();
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).data().asFloat(), wb.get(k).data().asFloat(), 0f, "weights differ: " + k);
        }
    }

    private static List<JsonNode> metrics(Path run) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void nanLossStopsTheRunNamingTheStepAndKeepsTheLastCheckpoint() throws Exception {
        Path out = tmp.resolve("nan");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 8, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "checkpoint-every", 2, "keep-checkpoints", 0, "seed", 1);
        SyntheticBatches data = shapes(64, 8);
        data.poisonBatch = 5;
        List<byte[]> written = new ArrayList<>();
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.builder().config(cfg)
                .data(data).interactive(false)
                .onCheckpoint((p, step) -> written.add(Files.readAllBytes(p))).build().fit());
        assertEquals(5, e.step());
        assertTrue(e.getMessage().startsWith("step 5: loss is NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("step-00000004"), e.getMessage());
        CheckpointManager cm = new CheckpointManager(out.resolve("checkpoints"), 0, new SafeTensorsFile());
        assertEquals(cm.pathFor(4), cm.resolve("latest"));
        assertArrayEquals(written.get(written.size() - 1), Files.readAllBytes(cm.pathFor(4)));
        assertEquals(4, CheckpointManager.load(cm.pathFor(4), new SafeTensorsFile()).state().step());
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve("train.log")).contains("step 5: loss is NaN"));
    }

    @Test
    void aLossSpikeStopsTheRunKeepsTheCheckpointBeforeItAndSaysHowToContinue() throws Exception {
        // a factor of 1e-6 makes the first step after the 20-step warmup a "spike" (the loss is positive): the rule
        // and threshold are LossSpikeGuardTest's; here the trainer's reaction
        Path out = tmp.resolve("spike");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 25, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "checkpoint-every", 4, "keep-checkpoints", 1, "seed", 1, "loss-spike-factor", 1e-6);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> Trainer.builder().config(cfg)
                .data(shapes(64, 8)).interactive(false).build().fit());
        assertEquals(21, e.step());
        assertTrue(e.getMessage().startsWith("step 21: loss spiked to "), e.getMessage());
        CheckpointManager cm = new CheckpointManager(out.resolve("checkpoints"), 0, new SafeTensorsFile());
        assertEquals(List.of(cm.pathFor(20)), cm.list(), "the newest checkpoint from before the spike stays");
        String log = Files.readString(out.resolve("train.log"));
        assertTrue(log.contains("to continue: resume " + cm.pathFor(20) + " with a lower learning rate"), log);

        // the numerics settings are in the checkpoint and in the first metrics line
        String numerics = new SafeTensorsFile().read(cm.pathFor(20)).metadata().get("jclip.numerics");
        assertTrue(numerics.contains("\"loops\":\"vector\"") && numerics.contains("\"precision\":\"float32\""), numerics);
        List<JsonNode> m = metrics(out);
        assertEquals("vector", m.get(0).get("numerics").get("loops").asText());
        assertFalse(m.get(1).has("numerics"));
    }

    @Test
    void configErrorsAreReportedBeforeAnyWork() {
        Path out = tmp.resolve("never");
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "batch-size", 10, "accum-freq", 4, "output", out.toString()))
                .data(shapes(64, 10)).build());
        assertTrue(e.getMessage().contains("not divisible by accum-freq 4"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-enormous", "output", out.toString())).data(shapes(64, 8)).build());
        assertTrue(e.getMessage().contains("ViT-enormous"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "output", out.toString())).build());
        assertTrue(e.getMessage().contains("train-data"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "batch-size", 128, "output", out.toString())).data(shapes(64, 128)).build());
        assertTrue(e.getMessage().contains("fewer than one batch"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "warmup", 10_000, "output", out.toString()))
                .data(shapes(64, 8)).build());
        assertTrue(e.getMessage().contains("warmup"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "warmup", 1, "resume", "latest",
                        "output", out.toString())).data(shapes(64, 8)).build());
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "warmup", 1, "init", "nope.safetensors",
                        "output", out.toString())).data(shapes(64, 8)).build());
        assertTrue(e.getMessage().contains("nope.safetensors"), e.getMessage());
        assertFalse(Files.exists(out), "the run folder was created before the config was checked");
    }

    @Test
    void vocabularyTravelsInEveryCheckpointAndTheFinalModel() throws Exception {
        Path vocab = tmp.resolve("vocab.txt");
        String text = "#version: test\nt h\nth e</w>\na n\n";
        Files.writeString(vocab, text);
        Path out = tmp.resolve("vocab-run");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "checkpoint-every", 1, "keep-checkpoints", 5);
        // the data source says which vocabulary made its token ids (LoaderBatchSource: its ClipTokenizer's merges)
        SyntheticBatches shapes = shapes(32, 8);
        String merges = dev.jclip.data.text.ClipTokenizer.load(vocab).merges();
        BatchSource data = new BatchSource() {
            @Override public dev.jclip.data.loader.Batch next() { return shapes.next(); }
            @Override public long samplesPerEpoch() { return shapes.samplesPerEpoch(); }
            @Override public void startEpoch(int epoch, long seed) { shapes.startEpoch(epoch, seed); }
            @Override public String state() { return shapes.state(); }
            @Override public void restore(String state) { shapes.restore(state); }
            @Override public Shape shape() { return shapes.shape(); }
            @Override public String vocabulary() { return merges; }
        };
        Trainer.builder().config(cfg).data(data).interactive(false).build().fit();
        List<Path> files = new ArrayList<>(new CheckpointManager(out.resolve("checkpoints"), 0, new SafeTensorsFile()).list());
        assertEquals(2, files.size());
        files.add(out.resolve("model.safetensors"));
        for (Path f : files) {
            try (dev.jclip.core.io.SafeTensors.Reader r = dev.jclip.core.io.SafeTensors.open(f)) {
                assertEquals(text, r.metadata().get(dev.jclip.data.text.ClipTokenizer.METADATA_KEY), f.toString());
            }
        }
        assertEquals(dev.jclip.data.text.ClipTokenizer.load(vocab).vocabSize(),
                dev.jclip.data.text.ClipTokenizer.parse(text, "metadata").vocabSize());
    }

    @Test
    void initLoadsWeightsLockImageFreezesTheTowerAndLogitScaleIsClamped() throws Exception {
        Path out = tmp.resolve("lock");
        Path init = Fixtures.vitTiny("model.safetensors");
        Map<String, INDArray> fixture = new SafeTensorsFile().read(init).tensors();
        ClipModel model = ClipModel.create(TINY, 0);
        model.logitScale().value().assign(4.9);   // above ln(100): the first step must clamp it
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "init", init.toString(), "lock-image", true, "wd", 0.0);
        List<Double> scales = new ArrayList<>();
        Trainer.builder().config(cfg).model(model).data(shapes(64, 8)).interactive(false)
                .onStep(m -> scales.add(m.logitScale())).build().fit();
        // --init replaced the 4.9 with the fixture's value, so check the clamp separately below
        for (Parameter p : model.parameters()) {
            float[] want = fixture.get(p.name()).data().asFloat();
            float[] got = p.value().data().asFloat();
            if (ClipModel.isImageParameter(p.name())) {
                assertFalse(p.trainable(), p.name());
                assertArrayEquals(want, got, 0f, "locked parameter moved: " + p.name());
            } else {
                assertTrue(p.trainable(), p.name());
                assertFalse(Arrays.equals(want, got), "trainable parameter did not move: " + p.name());
            }
        }

        ClipModel hot = ClipModel.create(TINY, 0);
        hot.logitScale().value().assign(4.9);
        Trainer.builder().config(TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 1, "lr", 1e-6, "warmup", 0,
                        "lr-scheduler", "const", "output", tmp.resolve("clamp").toString(), "eval-every", 1)).model(hot)
                .data(shapes(64, 8)).interactive(false)
                .evalHook((m, step) -> {
                    throw new IllegalStateException("evaluation broke");   // logged, training goes on
                }).build().fit();
        assertEquals(Math.log(100), hot.logitScale().value().getDouble(0), 1e-6);
        assertTrue(Files.readString(tmp.resolve("clamp/train.log")).contains("evaluation at step 1 failed"));
        assertTrue(Files.isRegularFile(tmp.resolve("clamp/model.safetensors")));
        assertNotEquals(0, scales.size());
    }

    @Test
    void resNetDefaultsAndBatchNormBuffersSurviveResume() throws Exception {
        ClipConfig rn = ClipConfig.preset("RN-tiny");
        AdamW.Hyper h = Trainer.hyper(TestConfigs.of("output", "x"), rn);
        assertEquals(0.999, h.beta2());
        assertEquals(1e-8, h.eps());
        assertEquals(0.98, Trainer.hyper(TestConfigs.of("output", "x"), TINY).beta2());
        assertEquals(0.95, Trainer.hyper(TestConfigs.of("output", "x", "beta2", 0.95), rn).beta2());

        java.util.function.Function<Path, TrainConfig> config = out -> TestConfigs.of("model", "RN-tiny", "batch-size", 8,
                "steps", 2, "lr", 1e-3, "warmup", 1, "output", out.toString(), "checkpoint-every", 1, "seed", 2);
        java.util.function.Supplier<SyntheticBatches> data = () -> new SyntheticBatches(64, rn.vision().imageSize(),
                rn.text().contextLength(), rn.text().vocabSize(), 8, 3);
        Path a = tmp.resolve("rn-a");
        Trainer.builder().config(config.apply(a)).data(data.get()).interactive(false).build().fit();
        Path b = tmp.resolve("rn-b");
        assertThrows(Interrupt.class, () -> Trainer.builder().config(config.apply(b)).data(data.get()).interactive(false)
                .onStep(m -> {
                    if (m.step() == 1) throw new Interrupt();
                }).build().fit());
        Trainer.builder().config(config.apply(b).with(Map.of("resume", "latest"), "test")).data(data.get())
                .interactive(false).build().fit();
        Map<String, INDArray> wa = new SafeTensorsFile().read(a.resolve("model.safetensors")).tensors();
        Map<String, INDArray> wb = new SafeTensorsFile().read(b.resolve("model.safetensors")).tensors();
        assertTrue(wa.containsKey("visual.bn1.running_mean") && wa.containsKey("visual.bn1.num_batches_tracked"));
        assertEquals(2, wa.get("visual.bn1.num_batches_tracked").getLong(0));
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).dup().data().asDouble(), wb.get(k).dup().data().asDouble(), 0.0, "differs: " + k);
        }
    }
}
