package dev.jclip.cli.demo;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.TextConfig;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.VocabLocator;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import dev.jclip.train.bench.TrainBenchmark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The demo's training phase: vocabulary, model config, step budget and the {@link Trainer} run. */
public final class DemoTraining {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.demo");
    public static final int DEFAULT_VOCAB_SIZE = 4096;
    private static final double OVERHEAD = 1.15;

    private DemoTraining() {
    }

    /**
     * The run's vocabulary as {@code vocab.txt.gz} in the run folder (where {@link VocabLocator} finds it for the
     * other commands): a copy of {@code explicit} when given, else the one already there, else BPE merges
     * learned from the training captions.
     */
    public static ClipTokenizer vocabulary(Path runDir, Path explicit, List<String> captions, int vocabSize) throws IOException {
        Path target = runDir.resolve(VocabLocator.RUN_VOCAB);
        Files.createDirectories(runDir);
        if (explicit != null) {
            ClipTokenizer tok = ClipTokenizer.load(explicit);
            if (!explicit.toAbsolutePath().equals(target.toAbsolutePath())) AtomicFile.copy(explicit, target);
            LOG.info("vocabulary: {} ({} tokens)", explicit, tok.vocabSize());
            return tok;
        }
        if (!Files.isRegularFile(target)) {
            LOG.info("training a {}-token BPE vocabulary on {} captions", vocabSize, captions.size());
            BpeTrainer trainer = new BpeTrainer(vocabSize);
            for (String c : captions) trainer.addCaption(c);
            trainer.trainAndWrite(target); // written atomically, as every vocabulary
        }
        ClipTokenizer tok = ClipTokenizer.load(target);
        LOG.info("vocabulary: {} ({} tokens)", target, tok.vocabSize());
        return tok;
    }

    /** The preset with its text tower sized to the vocabulary (the end token, the largest id, is where it pools). */
    public static ClipConfig modelConfig(String preset, ClipTokenizer tokenizer) {
        ClipConfig base = ClipConfig.load(preset);
        TextConfig t = base.text();
        return new ClipConfig(base.embedDim(), base.quickGelu(), base.vision(),
                new TextConfig(t.contextLength(), tokenizer.vocabSize(), t.width(), t.heads(), t.layers(), t.mlpRatio()));
    }

    /** Steps that fit in {@code minutes}, from the median time of a few timed steps on random data. */
    static long stepsFor(ClipConfig model, int batchSize, double minutes, long seed) {
        LOG.info("timing a few training steps to fit the run into {} minutes ...", minutes);
        Map<String, Object> bench = TrainBenchmark.run(model, batchSize, 4, 2, seed);
        // an allowance for what the benchmark leaves out (the loader threads, checkpoints); a busy machine is slower still
        double ms = OVERHEAD * ((Number) bench.get("median_step_ms")).doubleValue();
        long steps = Math.max(10, Math.round(minutes * 60_000 / ms));
        LOG.info("about {} ms per step of {} pairs: {} steps", Math.round(ms), batchSize, steps);
        return steps;
    }

    /** The trainer's settings for the demo run (a ViT gets CLIP's AdamW betas; cosine schedule with warmup). */
    static TrainConfig trainConfig(Path modelJson, DemoData data, Path runDir, int batchSize, long steps, double lr,
                                   long seed, boolean resume, AlphaBackground alphaBackground, String augCfg) {
        TrainConfig.Builder b = TrainConfig.builder()
                .model(modelJson.toAbsolutePath().toString())
                .trainData(data.trainShards())
                .vocab(runDir.resolve(VocabLocator.RUN_VOCAB).toAbsolutePath().toString())
                .batchSize(batchSize).steps(steps).lr(lr).wd(0.1)
                .warmup(Math.max(1, Math.min(50, steps / 10))).lrScheduler("cosine").seed(seed)
                .output(runDir.toAbsolutePath().toString())
                .checkpointEvery(Math.max(10, steps / 6)).keepCheckpoints(2)
                .logEvery((int) Math.max(1, Math.min(20, steps / 20))).workers(1)
                .alphaBackground(alphaBackground.toString());
        if (!augCfg.isEmpty()) b.augCfg(augCfg);
        if (resume) b.resume("latest");
        return b.build().validate();
    }

    /** Trains (or resumes) the run on its shards; returns the trainer with the final weights loaded. */
    static Trainer train(TrainConfig cfg) throws Exception {
        Trainer trainer = Trainer.builder().config(cfg).build();
        trainer.fit();
        return trainer;
    }
}
