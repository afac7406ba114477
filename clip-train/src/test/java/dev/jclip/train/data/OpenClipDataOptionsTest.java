package dev.jclip.train.data;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.AugmentationConfig;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.loader.Batch;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.SampleStream;
import dev.jclip.data.loader.ShardSlot;
import dev.jclip.data.loader.SkipCounter;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.train.SyntheticBatches;
import dev.jclip.train.TinyShards;
import dev.jclip.train.TestConfigs;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * open_clip's data options of {@code clip train}: dataset-resampled, train-num-samples, '::'-joined sources with
 * upsampling factors, image-mean / image-std, aug-cfg; each changes what the run does, not only its config.
 */
class OpenClipDataOptionsTest {
    @TempDir
    static Path tmp;
    static String a;
    static String b;
    static ClipTokenizer tokenizer;
    static final ClipConfig MODEL = ClipConfig.load("ViT-tiny");

    @BeforeAll
    static void writeShards() throws Exception {
        SyntheticShapes synth = new SyntheticShapes(32, 5);
        synth.writeShards(tmp.resolve("a"), "a", 16, 8, "png");     // source a: 2 shards of 8
        new SyntheticShapes(32, 6).writeShards(tmp.resolve("b"), "b", 8, 8, "png"); // source b: 1 shard of 8
        a = tmp.resolve("a") + "/a-{00000..00001}.tar";
        b = tmp.resolve("b") + "/b-00000.tar";
        tokenizer = ClipTokenizer.load(TinyShards.vocabulary(synth, 32, tmp.resolve("vocab.txt")));
    }

    private static TrainConfig config(Object... more) {
        Object[] kv = {"model", "ViT-tiny", "batch-size", 8, "lr", 1e-3, "warmup", 1, "output", tmp.resolve("run").toString(), "seed", 3};
        Object[] all = new Object[kv.length + more.length];
        System.arraycopy(kv, 0, all, 0, kv.length);
        System.arraycopy(more, 0, all, kv.length, more.length);
        return TestConfigs.of(all);
    }

    @Test
    void trainNumSamplesIsWhatAnEpochMeansForTheScheduleAndTheEpochCounter() throws Exception {
        // 64 pairs would be 8 steps an epoch; train-num-samples 20 makes it floor(20 / 8) = 2
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "epochs", 3, "train-num-samples", 20, "lr", 1e-3,
                "warmup", 1, "output", tmp.resolve("epochs").toString(), "checkpoint-every", 0, "seed", 1);
        SyntheticBatches data = new SyntheticBatches(64, MODEL.vision().imageSize(), MODEL.text().contextLength(), MODEL.text().vocabSize(), 8, 7);
        List<String> epochsEnded = new ArrayList<>();
        List<Integer> epochOfStep = new ArrayList<>();
        Trainer t = Trainer.builder().config(cfg).data(data).interactive(false)
                .onEpoch((epoch, step) -> epochsEnded.add(epoch + "@" + step))
                .onStep(m -> epochOfStep.add(m.epoch())).build();
        assertEquals(6, t.totalSteps(), "3 epochs of 2 steps");
        Trainer.Result r = t.fit();
        assertEquals(6, r.steps());
        assertEquals(48, r.samplesSeen());
        assertEquals(List.of("0@2", "1@4", "2@6"), epochsEnded, "each epoch stops after 2 batches");
        assertEquals(List.of(0, 0, 1, 1, 2, 2), epochOfStep);
        ConfigException tooFew = assertThrows(ConfigException.class, () -> Trainer.builder().config(cfg.with(Map.of("train-num-samples", 7), "test"))
                .data(new SyntheticBatches(64, MODEL.vision().imageSize(), MODEL.text().contextLength(), MODEL.text().vocabSize(), 8, 7)).build());
        assertTrue(tooFew.getMessage().contains("train-num-samples is 7 pairs"), tooFew.getMessage());
    }

    @Test
    void resampledSourcesAreDrawnInProportionToTheirUpsamplingFactors() throws Exception {
        // a has 2 shards of factor 1, b 1 shard of factor 6: b's shard is drawn 6/8 of the time, each of a's 1/8
        TrainConfig cfg = config("train-data", a + "::" + b, "dataset-resampled", true, "train-data-upsampling-factors", "1::6");
        SampleSource s = TrainingData.samples(cfg);
        Map<String, Integer> samplesFrom = new HashMap<>();
        int n = 8 * 800;
        try (SampleStream stream = s.open(3, 0, true, List.of(ShardSlot.local(0, 2), ShardSlot.local(1, 2)), new SkipCounter(), new AtomicLong())) {
            for (int i = 0; i < n; i++) samplesFrom.merge(stream.next().source().contains("/b/") ? "b" : "a", 1, Integer::sum);
        }
        // 800 shard draws (8 samples each): b's count is binomial(800, 0.75) times 8
        double p = 0.75;
        double sd = 8 * Math.sqrt(800 * p * (1 - p));
        assertEquals(n * p, samplesFrom.get("b"), 5 * sd, "samples from b: " + samplesFrom);

        ConfigException noResample = assertThrows(ConfigException.class,
                () -> config("train-data", a + "::" + b, "train-data-upsampling-factors", "1::6").validate());
        assertTrue(noResample.getMessage().contains("needs dataset-resampled"), noResample.getMessage());
        ConfigException count = assertThrows(ConfigException.class,
                () -> config("train-data", a + "::" + b, "dataset-resampled", true, "train-data-upsampling-factors", "1::2::3").validate());
        assertTrue(count.getMessage().contains("3 factors for 2"), count.getMessage());
        Path csv = Files.writeString(tmp.resolve("m.csv"), "filepath,title\n");
        assertThrows(ConfigException.class, () -> TrainingData.samples(config("train-data", csv.toString(), "dataset-resampled", true)));
    }

    @Test
    void aResampledRunTakesItsEpochFromTrainNumSamplesOrSizesJson() throws Exception {
        TrainConfig cfg = config("train-data", a, "dataset-resampled", true, "train-num-samples", 20);
        SampleSource s = TrainingData.samples(cfg);
        assertEquals(3, TrainingData.loaderConfig(cfg, MODEL, s).batchesPerEpoch(), "ceil(20 / 8) batches; the trainer stops at floor");
        assertEquals(2, TrainingData.loaderConfig(config("train-data", a, "dataset-resampled", true), MODEL, s).batchesPerEpoch(),
                "16 pairs in sizes.json");
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.copy(tmp.resolve("b/b-00000.tar"), bare.resolve("x.tar"));
        TrainConfig unsized = config("train-data", bare + "/x.tar", "dataset-resampled", true);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingData.loaderConfig(unsized, MODEL, TrainingData.samples(unsized)));
        assertTrue(e.getMessage().contains("train-num-samples"), e.getMessage());
        // rank 0 of 2 (data-order shards): batches of 8 / 2, and an epoch of 20 pairs of all ranks is still
        // ceil(20 / 8) global batches, so 3 of this rank's batches of 4
        try (LoaderBatchSource rank0 = TrainingData.open(cfg.with(Map.of("vocab", tmp.resolve("vocab.txt").toString()), "t"), MODEL, 0, 2)) {
            assertEquals(4, rank0.shape().batchSize());
            assertEquals(12, rank0.samplesPerEpoch());
        }
    }

    /** The first batch of an epoch through the run's own loader settings. */
    private static float[] firstBatch(TrainConfig cfg) throws Exception {
        try (LoaderBatchSource src = new LoaderBatchSource(WebDatasetSource.of(a, false), tokenizer,
                TrainingData.loaderConfig(cfg, MODEL, WebDatasetSource.of(a, false)))) {
            src.startEpoch(0, 0);
            Batch batch = src.next();
            return batch.images().data().asFloat();
        }
    }

    @Test
    void imageMeanAndStdReachThePixelsAndTheSavedModel() throws Exception {
        float[] plain = firstBatch(config("train-data", a));
        float[] custom = firstBatch(config("train-data", a, "image-mean", "0.5", "image-std", "0.25,0.5,0.125"));
        float[] std = {0.25f, 0.5f, 0.125f};
        int plane = MODEL.vision().imageSize() * MODEL.vision().imageSize();
        for (int i = 0; i < plain.length; i++) {
            int c = (i / plane) % 3;
            double pixel = plain[i] * ClipImageTransform.STD[c] + ClipImageTransform.MEAN[c]; // back to [0, 1]
            assertEquals(pixel, custom[i] * std[c] + 0.5, 1e-5, "pixel " + i);
        }
        // recorded in the model's preprocessing config, which evaluation and encode read
        Path run = tmp.resolve("meanstd");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3, "warmup", 1,
                "output", run.toString(), "image-mean", "0.5", "image-std", "0.25,0.5,0.125");
        try (LoaderBatchSource src = new LoaderBatchSource(WebDatasetSource.of(a, false), tokenizer, TrainingData.loaderConfig(cfg, MODEL, WebDatasetSource.of(a, false)))) {
            Trainer.builder().config(cfg).data(src).interactive(false).build().fit();
        }
        PreprocessConfig saved = PreprocessConfig.fromMetadata(Checkpoints.readMetadata(run.resolve("model.safetensors")), 32, "model");
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, saved.mean());
        assertArrayEquals(std, saved.std());
        // resumed without the options: the checkpoint's values, not OpenAI's
        TrainConfig resumed = cfg.toBuilder().build().with(Map.of("resume", "latest", "steps", 3), "test");
        TrainConfig noOptions = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 3, "output", run.toString(), "resume", "latest");
        assertArrayEquals(std, TrainingData.loaderConfig(noOptions, MODEL, WebDatasetSource.of(a, false)).preprocessConfig().std());
        assertTrue(resumed.isExplicit("image-std"));
        // a loader that contradicts the options is refused
        LoaderConfig clip = LoaderConfig.builder(8).imageSize(32).contextLength(MODEL.text().contextLength()).build();
        try (LoaderBatchSource src = new LoaderBatchSource(WebDatasetSource.of(a, false), tokenizer, clip)) {
            ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                    .config(cfg.with(Map.of("output", tmp.resolve("other").toString()), "test")).data(src).build());
            assertTrue(e.getMessage().contains("image-mean is 0.5"), e.getMessage());
        }
        assertThrows(ConfigException.class, () -> config("image-std", "0.2,0,0.2").validate());
        assertThrows(ConfigException.class, () -> config("image-mean", "0.2,0.3").validate());
    }

    @Test
    void augCfgReachesTheTrainingLoader() throws Exception {
        TrainConfig grey = config("train-data", a, "aug-cfg", "gray_scale_prob=1 scale=(0.5,1)");
        LoaderConfig lc = TrainingData.loaderConfig(grey, MODEL, WebDatasetSource.of(a, false));
        assertEquals(AugmentationConfig.parse("gray_scale_prob=1 scale=(0.5,1)", "x"), lc.augmentation());
        float[] px = firstBatch(grey);
        int plane = MODEL.vision().imageSize() * MODEL.vision().imageSize();
        for (int img = 0; img < px.length / (3 * plane); img++) {
            for (int i = 0; i < plane; i++) {
                int o = img * 3 * plane + i;
                double r = px[o] * ClipImageTransform.STD[0] + ClipImageTransform.MEAN[0];
                double g = px[o + plane] * ClipImageTransform.STD[1] + ClipImageTransform.MEAN[1];
                assertEquals(r, g, 1e-5, "grey: R == G in image " + img + " pixel " + i);
            }
        }
        ConfigException bad = assertThrows(ConfigException.class, () -> config("aug-cfg", "colour_jitter=0.4").validate());
        assertTrue(bad.getMessage().contains("unknown key 'colour_jitter'"), bad.getMessage());
    }
}
