package dev.jclip.cli.demo;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.nn.Parameter;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The whole demo, phase by phase: data (fetch, shards, held-out manifests), vocabulary and model, training (resumed
 * when the run folder already holds checkpoints), evaluation and report. {@code demo.json} in the run folder
 * pins the settings, the step count included, so a rerun continues the same run or, when it is finished, only
 * evaluates again.
 */
public final class DemoRun {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.demo");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /**
     * Steps when neither --steps nor --minutes is given: a fixed number, so the default run is reproducible. The
     * default recipe ({@code RN-demo}: a ModifiedResNet of one bottleneck per stage at 64px, stem width 16; a step
     * takes about 4/3 of a {@code ViT-demo-32-wide} step, so 300 of them take about what that model's 400 took) was
     * chosen on the validation splits over two seeds (docs/DEMO.md, sixth round).
     */
    public static final long DEFAULT_STEPS = 300;
    public static final String DEFAULT_MODEL = "RN-demo";
    public static final int DEFAULT_BATCH = 128;
    public static final double DEFAULT_LR = 1e-3;
    public static final int DEFAULT_CAPTIONS = 8;
    /**
     * The training augmentation (open_clip's aug-cfg keys; "" is the trainer's own 90-100 % crop): crops down to half
     * the image, colour jitter without hue (colour names many emoji) and some greyscale, chosen on the validation split.
     */
    public static final String DEFAULT_AUG = "scale=(0.5,1.0) color_jitter=(0.4,0.4,0.4,0.0) color_jitter_prob=0.8 gray_scale_prob=0.2";
    /**
     * The features the linear probes read: the image tower's representation (for a ResNet the attention pool's output,
     * as the CLIP paper's probes read it) beside the mean of its last feature map (torchvision's average pooling).
     */
    public static final ModelEncoder.ImageFeatures DEFAULT_PROBE_FEATURES = ModelEncoder.ImageFeatures.PRE_PROJECTION_PATCH_MEAN;
    /** The zero-shot prompt ensemble ({@link EmojiCaptions#prompts}). */
    public static final String DEFAULT_PROMPTS = "captions";

    /**
     * @param data             folder with the unpacked packages, or null to use (and fill) the cache
     * @param minutes          training time to fit the step count to (measured on this machine), or 0
     * @param steps            training steps, or 0 to fit {@code minutes} (both 0: {@link #DEFAULT_STEPS})
     * @param augCfg           the training augmentation, open_clip's {@code aug-cfg} keys ("" for the trainer's default)
     * @param validationStyle  a third emoji set to draw the validation emoji in too, or null for none
     * @param moreTrainStyles  training styles beside {@link EmojiPackages#TRAIN_SET} (e.g. {@link EmojiPackages#EMOJIONE}), none by default
     * @param probeFeatures    the image features the linear probes read (evaluation only: not part of the run's identity)
     * @param prompts          the zero-shot prompt ensemble's name, {@link EmojiCaptions#prompts} (evaluation only)
     */
    public record Options(Path data, Path cache, double minutes, long steps, String model, Path vocab,
                          Path output, long seed, int limit, int batchSize, double lr, int captionsPerImage,
                          AlphaBackground alphaBackground, double validationFraction, String augCfg, String validationStyle,
                          List<String> moreTrainStyles, ModelEncoder.ImageFeatures probeFeatures, String prompts) {
    }

    /** The printed table and the report's path. */
    public record Outcome(String table, Path report, Path metricsJson) {
    }

    private final Options o;

    public DemoRun(Options o) {
        this.o = o;
    }

    public Outcome run() throws Exception {
        long start = System.nanoTime();
        Path runDir = o.output();
        ClipConfig preset;
        try {
            preset = ClipConfig.load(o.model());
        } catch (ConfigException e) {
            throw new UsageException(e.getMessage());
        }
        if (o.probeFeatures().needsViT() && preset.vision().isResNet()) {
            throw new UsageException("--probe-features " + o.probeFeatures().label() + " needs a ViT (transformer blocks); " + o.model()
                    + " is a ResNet");
        }
        ObjectNode saved = readSettings(runDir);
        checkSameRun(saved, runDir);

        LOG.info("[1/5] data: {} and {} {}", EmojiPackages.packageName(EmojiPackages.TRAIN_SET),
                EmojiPackages.packageName(EmojiPackages.HELD_OUT_SET), EmojiPackages.VERSION);
        emojiSet(EmojiPackages.TRAIN_SET); // fetched (or found) first, as the log line says
        EmojiPackages.EmojiPackage heldOutSet = emojiSet(EmojiPackages.HELD_OUT_SET);
        DemoData data = prepareData();
        if (data.trainSamples() < o.batchSize()) {
            throw new UsageException("only " + data.trainSamples() + " training pairs, fewer than one batch of " + o.batchSize()
                    + ": lower --batch-size or raise --limit");
        }

        LOG.info("[2/5] vocabulary and model");
        ClipTokenizer tokenizer = DemoTraining.vocabulary(runDir, o.vocab(), data.captions(), DemoTraining.DEFAULT_VOCAB_SIZE);
        ClipConfig model = DemoTraining.modelConfig(o.model(), tokenizer);
        Path modelJson = runDir.resolve("model.json");
        AtomicFile.writeString(modelJson, model.toJson());
        LOG.info("model {}: {}px images, {} text tokens (from {})", o.model(), preset.vision().imageSize(),
                preset.text().contextLength(), modelJson);

        long steps = o.steps() > 0 ? o.steps() : saved != null ? saved.get("steps").asLong()
                : o.minutes() > 0 ? DemoTraining.stepsFor(model, o.batchSize(), o.minutes(), o.seed()) : DEFAULT_STEPS;
        if (saved != null && o.steps() == 0) LOG.info("{} holds a run of {} steps: continuing it", runDir, steps);
        writeSettings(runDir, steps);

        LOG.info("[3/5] training: {} steps of {} pairs ({} per epoch)", steps, o.batchSize(), data.trainSamples());
        boolean resume = hasCheckpoints(runDir);
        TrainConfig cfg = DemoTraining.trainConfig(modelJson, data, runDir, o.batchSize(), steps, o.lr(), o.seed(), resume,
                o.alphaBackground(), o.augCfg());
        Trainer trainer = DemoTraining.train(cfg);

        LOG.info("[4/5] evaluation on the held-out {} drawings", heldOutSet.set());
        DemoEvaluation.Results results = DemoEvaluation.run(trainer.model(), tokenizer, data, runDir, o.model(), o.seed(),
                o.probeFeatures(), EmojiCaptions.prompts(o.prompts()));

        LOG.info("[5/5] report");
        List<MetricRow> rows = DemoReport.rows(results);
        DemoReport.Curves curves = DemoReport.Curves.read(runDir.resolve("metrics.jsonl"));
        double finalLoss = curves.loss().length > 0 ? curves.loss()[curves.loss().length - 1] : Double.NaN;
        long parameters = 0;
        for (Parameter p : trainer.model().parameters()) parameters += p.size();
        DemoReport.RunInfo info = new DemoReport.RunInfo(o.model(), parameters, tokenizer.vocabSize(), steps, o.batchSize(),
                steps * o.batchSize(), finalLoss, data.trainEmoji().size(), data.trainSamples(), data.heldOut().size(),
                trainStyles(), heldOutSet.set(), curves.stepSeconds() / 60, (System.nanoTime() - start) / 6e10, o.seed());
        Path metricsJson = runDir.resolve("demo-metrics.json");
        DemoReport.writeJson(metricsJson, rows, info);
        Path report = runDir.resolve("report.html");
        DemoReport.writeHtml(report, runDir.resolve("metrics.jsonl"), results, rows, info,
                runDir.resolve("eval").resolve("zeroshot-confusion.png"));
        LOG.info(String.format(Locale.ROOT, "demo finished in %.1f minutes", info.totalMinutes()));
        return new Outcome(DemoReport.table(rows), report, metricsJson);
    }

    /**
     * One emoji-datasource set: from {@code --data} when given, else fetched into (or found in) the cache.
     */
    public EmojiPackages.EmojiPackage emojiSet(String set) throws IOException, InterruptedException {
        return o.data() != null ? EmojiPackages.find(o.data(), set) : EmojiPackages.obtain(o.cache(), set);
    }

    /** The run's data in {@code data/}: built on the first call, reused (from its {@code data.json}) after. */
    public DemoData prepareData() throws IOException, InterruptedException {
        List<EmojiPackages.TrainStyle> more = new ArrayList<>();
        for (String set : o.moreTrainStyles()) more.add(EmojiPackages.trainStyle(set, o.data(), o.cache()));
        return DemoData.prepare(emojiSet(EmojiPackages.TRAIN_SET), emojiSet(EmojiPackages.HELD_OUT_SET), styleSet(), more,
                o.output().resolve("data"), o.limit(), o.seed(), o.captionsPerImage(), o.validationFraction());
    }

    /** What makes a run: the saved copy must match on a rerun (the step count is checked apart). */
    private ObjectNode settings(long steps) {
        ObjectNode s = JSON.createObjectNode();
        s.put("model", o.model());
        s.put("vocab", o.vocab() == null ? "bpe-" + DemoTraining.DEFAULT_VOCAB_SIZE : o.vocab().toAbsolutePath().toString());
        s.put("seed", o.seed());
        s.put("limit", o.limit());
        s.put("batch_size", o.batchSize());
        s.put("lr", o.lr());
        s.put("captions_per_image", o.captionsPerImage());
        s.put("alpha_background", o.alphaBackground().toString());
        s.put("validation_fraction", o.validationFraction());
        s.put("aug_cfg", o.augCfg());
        s.put("train_styles", trainStyles());
        s.put("steps", steps);
        s.put("fitted_to_minutes", o.steps() == 0 && o.minutes() > 0);
        return s;
    }

    /**
     * The third style's package: fetched into the cache like the others, or looked up in {@code --data}, where a
     * missing one only skips the validation figures it gives (it is not needed to train or test).
     */
    private EmojiPackages.EmojiPackage styleSet() throws IOException, InterruptedException {
        if (o.validationStyle() == null) return null;
        if (o.data() == null) return EmojiPackages.obtain(o.cache(), o.validationStyle());
        try {
            return EmojiPackages.find(o.data(), o.validationStyle());
        } catch (UsageException e) {
            LOG.info("no {} set in {}: the validation figures in a third style are skipped ({})",
                    EmojiPackages.packageName(o.validationStyle()), o.data(), e.getMessage());
            return null;
        }
    }

    /** The training styles as {@code --train-styles} takes them: {@code google}, {@code google,emojione}. */
    private String trainStyles() {
        List<String> all = new ArrayList<>(List.of(EmojiPackages.TRAIN_SET));
        all.addAll(o.moreTrainStyles());
        return String.join(",", all);
    }

    private static boolean hasCheckpoints(Path runDir) throws IOException {
        Path dir = runDir.resolve("checkpoints");
        if (!Files.isDirectory(dir)) return false;
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors"));
        }
    }

    private static ObjectNode readSettings(Path runDir) throws IOException {
        Path f = runDir.resolve("demo.json");
        if (!Files.isRegularFile(f)) return null;
        try {
            return (ObjectNode) JSON.readTree(f.toFile());
        } catch (IOException | ClassCastException e) {
            throw new UsageException(f + " is not a demo settings file (" + e.getMessage() + "): choose another --output");
        }
    }

    /** A run folder belongs to one run: settings that change the result must match the saved ones. */
    private void checkSameRun(ObjectNode saved, Path runDir) {
        if (saved == null) {
            if (Files.isDirectory(runDir.resolve("checkpoints"))) {
                throw new UsageException(runDir + " holds checkpoints but no demo.json: choose another --output");
            }
            return;
        }
        ObjectNode now = settings(saved.path("steps").asLong());
        for (var it = now.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (k.equals("steps") || k.equals("fitted_to_minutes")) continue;
            // runs from before the setting existed trained on images drawn on white
            if (k.equals("alpha_background") && saved.get(k) == null && now.get(k).asText().equals("white")) continue;
            // and without augmentation beyond the trainer's default crop
            if (k.equals("aug_cfg") && saved.get(k) == null && now.get(k).asText().isEmpty()) continue;
            // and on the one training style
            if (k.equals("train_styles") && saved.get(k) == null && now.get(k).asText().equals(EmojiPackages.TRAIN_SET)) continue;

            if (saved.get(k) == null || !now.get(k).asText().equals(saved.get(k).asText())) {
                throw new UsageException(runDir + " holds a demo run with " + k + " = " + saved.get(k) + ", not " + now.get(k)
                        + ": choose another --output to start a new run (or delete the folder)");
            }
        }
        if (o.steps() > 0 && o.steps() != saved.path("steps").asLong()) {
            throw new UsageException(runDir + " holds a demo run of " + saved.path("steps").asLong() + " steps, not " + o.steps()
                    + ": choose another --output to start a new run (or delete the folder)");
        }
    }

    private void writeSettings(Path runDir, long steps) throws IOException {
        AtomicFile.writeString(runDir.resolve("demo.json"), JSON.writeValueAsString(settings(steps)) + "\n");
    }
}
