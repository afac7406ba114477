package dev.jclip.cli.demo;

import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.core.model.ClipModel;
import dev.jclip.eval.Evaluations;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.CsvImageDataset;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.ImageCaptionPairs;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.features.PixelFeatures;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.probe.Lbfgs;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.eval.metrics.ClassificationMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo's evaluation on the held-out drawing style, through clip-eval: zero-shot classification of the
 * subcategories with a prompt ensemble, image-text retrieval over the emoji names, and linear probes on the
 * model's frozen image features and on raw pixels; plus the top-5 captions of a few images for the report.
 */
public final class DemoEvaluation {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.demo");
    /** Side of the raw-pixel baseline's images (3 x 32 x 32 features). */
    public static final int PIXEL_SIZE = 32;
    static final int EXAMPLES = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One held-out image with the captions the model ranks highest. */
    record Example(Emoji emoji, byte[] png, List<String> captions, double[] probabilities, int rankOfTruth) {
    }

    /**
     * Figures on the validation emoji (training style, never trained on): what recipes are compared by, so the
     * held-out figures stay a test that nothing was tuned on.
     *
     * @param style       the drawing style of the images
     * @param probeModel  the probe on the CLIP features the held-out probe reads ({@code --probe-features})
     * @param probeOthers the same probe on the other kinds of CLIP features the model has, to choose the kind on
     * @param pixelTop1   the raw-pixel probe's top-1 (the same for every recipe: cached in the data folder)
     * @param probeChance the largest class's share of the probe's test half
     */
    record Validation(String style, EvalReport zeroShot, EvalReport probeModel, Map<ModelEncoder.ImageFeatures, EvalReport> probeOthers,
                      double pixelTop1, double probeChance) {
    }

    /**
     * Everything the report shows.
     *
     * @param validation      on the validation emoji in the training style, or null when there are too few
     * @param styleValidation on the validation emoji in a third style, or null (none asked for, or too few)
     */
    record Results(EvalReport zeroShot, EvalReport retrieval, EvalReport probeModel, EvalReport probePixels,
                   List<String> classCategories, List<Example> examples, double logitScale, Validation validation,
                   Validation styleValidation, ModelEncoder.ImageFeatures probeFeatures, List<String> prompts) {
    }

    private DemoEvaluation() {
    }

    /**
     * @param probeFeatures the CLIP features the linear probes read (zero-shot and retrieval use the projected ones)
     * @param prompts       the zero-shot prompt ensemble
     */
    static Results run(ClipModel model, ClipTokenizer tokenizer, DemoData data, Path runDir, String modelName, long seed,
                       ModelEncoder.ImageFeatures probeFeatures, List<String> prompts) throws IOException {
        Evaluations.FeatureSource src = featureSource(model, tokenizer, runDir);
        ModelEncoder encoder = (ModelEncoder) src.encoder();
        Evaluations.FeatureSource probeSrc = withFeatures(src, probeFeatures);
        PreprocessConfig preprocessing = encoder.preprocessing();
        Path evalDir = runDir.resolve("eval");
        List<String> classes = data.classNames();

        LOG.info("evaluating on {} held-out images: zero-shot classification into {} subcategories ({} prompts each)",
                data.heldOut().size(), classes.size(), prompts.size());
        LabelledImageDataset heldOut = CsvImageDataset.read(data.zeroShotCsv(), classes);
        EvalReport zeroShot = Evaluations.zeroShot(src, heldOut, prompts, modelName);
        ReportWriter.writeAll(zeroShot, evalDir.resolve("zeroshot.json"));

        LOG.info("retrieval: {} held-out images against their names", data.heldOut().size());
        ImageCaptionPairs pairs = new ImageCaptionPairs(data.retrievalCsv());
        EvalReport retrieval = Evaluations.retrieval(src, pairs, modelName);
        ReportWriter.writeAll(retrieval, evalDir.resolve("retrieval.json"));

        LOG.info("linear probes (half of each subcategory to fit, half to test): frozen image features ({}), then raw pixels",
                probeFeatures.label());
        LabelledImageDataset[] split = DatasetView.stratifiedSplit(heldOut, 0.5, seed);
        LinearProbe.Settings probe = probeSettings(seed);
        EvalReport probeModel = Evaluations.linearProbe(probeSrc.images(split[0]), split[0].labels(), probeSrc.images(split[1]),
                split[1].labels(), classes, probe, "held-out subcategories", modelName);
        ReportWriter.writeAll(probeModel, evalDir.resolve("probe-model.json"));
        EvalReport probePixels = Evaluations.linearProbe(PixelFeatures.extract(split[0], PIXEL_SIZE, preprocessing.alphaBackground()), split[0].labels(),
                PixelFeatures.extract(split[1], PIXEL_SIZE, preprocessing.alphaBackground()), split[1].labels(), classes, probe, "held-out subcategories",
                "raw pixels " + PIXEL_SIZE + "x" + PIXEL_SIZE);
        ReportWriter.writeAll(probePixels, evalDir.resolve("probe-pixels.json"));

        Validation validation = validation(src, probeFeatures, prompts, data.validation(), data.validationCsv(), EmojiPackages.TRAIN_SET,
                classes, probe, preprocessing, evalDir, "validation-", modelName, seed);
        Validation styleValidation = data.validationStyle() == null ? null : validation(src, probeFeatures, prompts, data.styleValidation(),
                data.styleValidationCsv(), data.validationStyle(), classes, probe, preprocessing, evalDir,
                "validation-" + data.validationStyle() + "-", modelName, seed);

        List<String> categories = new ArrayList<>();
        for (String c : classes) {
            categories.add(data.heldOut().stream().filter(e -> e.subcategory().equals(c)).findFirst().orElseThrow().category());
        }
        double scale = Math.exp(model.logitScale().value().getDouble(0));
        List<Example> examples = examples(encoder, data, scale, seed);
        return new Results(zeroShot, retrieval, probeModel, probePixels, categories, examples, scale, validation, styleValidation,
                probeFeatures, prompts);
    }

    /** The same model's features of another kind, cached under a key of their own ({@link Evaluations.FeatureSource}). */
    static Evaluations.FeatureSource withFeatures(Evaluations.FeatureSource src, ModelEncoder.ImageFeatures features) {
        return new Evaluations.FeatureSource(((ModelEncoder) src.encoder()).withImageFeatures(features), src.batchSize(), src.cache(),
                src.modelKey());
    }

    /**
     * The run's features: its final weights, seen with the preprocessing recorded with them (as in training),
     * cached in {@code eval/features} under a key naming the weights file and its time, so every evaluation of
     * the same weights (the demo's, {@code clip repro}'s) computes an image's features once.
     */
    public static Evaluations.FeatureSource featureSource(ClipModel model, ClipTokenizer tokenizer, Path runDir) throws IOException {
        Path modelFile = runDir.resolve("model.safetensors");
        PreprocessConfig preprocessing = ModelEncoder.preprocessing(modelFile, model.config().vision().imageSize(), null);
        ModelEncoder encoder = new ModelEncoder(model, tokenizer, preprocessing);
        String modelKey = modelFile.toAbsolutePath() + ":" + (Files.exists(modelFile) ? Files.getLastModifiedTime(modelFile).toMillis() : 0);
        return new Evaluations.FeatureSource(encoder, 64, new FeatureCache(runDir.resolve("eval").resolve("features")), modelKey);
    }

    /**
     * Zero-shot and the probes (half of each subcategory to fit, half to test) on validation images of one drawing
     * style: on both kinds of CLIP features and on raw pixels; or null (with a log line saying why) when the split
     * holds fewer than two subcategories.
     *
     * @param src    the projected features
     * @param prefix the report files' prefix in {@code evalDir}, e.g. {@code validation-}
     */
    static Validation validation(Evaluations.FeatureSource src, ModelEncoder.ImageFeatures probeFeatures, List<String> prompts,
                                 List<Emoji> split, Path csv, String style, List<String> classes,
                                 LinearProbe.Settings probe, PreprocessConfig preprocessing, Path evalDir, String prefix,
                                 String modelName, long seed) throws IOException {
        if (!DemoData.enoughToEvaluate(split)) {
            LOG.info("validation in the {} style skipped: {} images from fewer than 2 subcategories (a small --limit leaves"
                    + " too few emoji per subcategory for a validation split)", style, split.size());
            return null;
        }
        LOG.info("validation: {} unseen {}-style images (zero-shot, probes on CLIP features and raw pixels)", split.size(), style);
        LabelledImageDataset val = CsvImageDataset.read(csv, classes);
        EvalReport zeroShot = Evaluations.zeroShot(src, val, prompts, modelName);
        ReportWriter.writeAll(zeroShot, evalDir.resolve(prefix + "zeroshot.json"));
        LabelledImageDataset[] halves = DatasetView.stratifiedSplit(val, 0.5, seed);
        EvalReport probeModel = validationProbe(withFeatures(src, probeFeatures), halves, classes, probe, style, modelName);
        ReportWriter.writeAll(probeModel, evalDir.resolve(prefix + "probe-model.json"));
        Map<ModelEncoder.ImageFeatures, EvalReport> others = new LinkedHashMap<>();
        ClipModel model = ((ModelEncoder) src.encoder()).model();
        for (ModelEncoder.ImageFeatures other : ModelEncoder.ImageFeatures.values()) {
            if (other == probeFeatures || !other.supports(model)) continue;
            EvalReport r = validationProbe(withFeatures(src, other), halves, classes, probe, style, modelName);
            ReportWriter.writeAll(r, evalDir.resolve(prefix + "probe-model-" + other.label() + ".json"));
            others.put(other, r);
        }
        ClassificationMetrics pm = probeModel.classification();
        long largest = 0;
        for (long x : pm.classCounts()) largest = Math.max(largest, x);
        return new Validation(style, zeroShot, probeModel, others, pixelTop1(halves, csv, classes, probe, preprocessing, seed),
                (double) largest / pm.count());
    }

    private static EvalReport validationProbe(Evaluations.FeatureSource src, LabelledImageDataset[] halves, List<String> classes,
                                              LinearProbe.Settings probe, String style, String modelName) throws IOException {
        String features = ((ModelEncoder) src.encoder()).imageFeatures().label();
        return Evaluations.linearProbe(src.images(halves[0]), halves[0].labels(), src.images(halves[1]), halves[1].labels(), classes,
                probe, "validation subcategories, " + style + ", " + features + " features", modelName);
    }

    /**
     * The raw-pixel probe's top-1 on a validation split, from {@code probe-pixels.json} beside its {@code csv} when it
     * was computed for the same images, background and seed (it does not depend on the model), else computed
     * and saved there.
     */
    private static double pixelTop1(LabelledImageDataset[] split, Path csv, List<String> classes, LinearProbe.Settings probe,
                                    PreprocessConfig preprocessing, long seed) throws IOException {
        Path cache = csv.resolveSibling("probe-pixels.json");
        String key = "pixels " + PIXEL_SIZE + ", background " + preprocessing.alphaBackground() + ", seed " + seed + ", images "
                + Integer.toHexString(Files.readString(csv).hashCode());
        if (Files.isRegularFile(cache)) {
            JsonNode n = JSON.readTree(cache.toFile());
            if (key.equals(n.path("key").asText())) {
                LOG.info("validation pixel probe: reusing {}", cache);
                return n.path("top1").asDouble();
            }
        }
        EvalReport pixels = Evaluations.linearProbe(PixelFeatures.extract(split[0], PIXEL_SIZE, preprocessing.alphaBackground()),
                split[0].labels(), PixelFeatures.extract(split[1], PIXEL_SIZE, preprocessing.alphaBackground()), split[1].labels(),
                classes, probe, "validation subcategories", "raw pixels " + PIXEL_SIZE + "x" + PIXEL_SIZE);
        double top1 = pixels.classification().top1();
        ObjectNode n = JSON.createObjectNode();
        n.put("key", key);
        n.put("top1", top1);
        AtomicFile.writeString(cache, JSON.writeValueAsString(n) + "\n");
        return top1;
    }

    /** A search wide enough for these features, and bounded so the probes take seconds, not minutes. */
    public static LinearProbe.Settings probeSettings(long seed) {
        Lbfgs.Settings d = Lbfgs.Settings.defaults();
        return new LinearProbe.Settings(0.2, seed, -2, 3, 1, new Lbfgs.Settings(d.memory(), 200, 1e-5, d.valueTolerance()));
    }

    /** A few held-out images from different categories, each with its five most probable names. */
    static List<Example> examples(ModelEncoder encoder, DemoData data, double scale, long seed) throws IOException {
        List<Emoji> heldOut = data.heldOut();
        List<String> captions = heldOut.stream().map(EmojiCaptions::retrieval).toList();
        FeatureExtractor fx = new FeatureExtractor(encoder, 64);
        double[][] texts = Vectors.normalisedRows(fx.texts(captions));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < heldOut.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(seed + 1));
        List<Integer> picked = new ArrayList<>();
        Map<String, Integer> perCategory = new LinkedHashMap<>();
        for (int i : order) { // round-robin over categories: at most one per category until every category has one
            String cat = heldOut.get(i).category();
            if (perCategory.getOrDefault(cat, 0) == 0 && picked.size() < EXAMPLES) {
                picked.add(i);
                perCategory.put(cat, 1);
            }
        }
        for (int i : order) if (picked.size() < Math.min(EXAMPLES, heldOut.size()) && !picked.contains(i)) picked.add(i);
        double[][] images = Vectors.normalisedRows(fx.images(picked.size(),
                j -> ImageDecoder.readFile(data.heldOutImage(heldOut.get(picked.get(j))))));
        List<Example> out = new ArrayList<>();
        for (int j = 0; j < picked.size(); j++) {
            int truth = picked.get(j);
            double[] logits = new double[texts.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < texts.length; t++) {
                double dot = 0;
                for (int k = 0; k < texts[t].length; k++) dot += images[j][k] * texts[t][k];
                logits[t] = scale * dot;
                max = Math.max(max, logits[t]);
            }
            double sum = 0;
            for (int t = 0; t < logits.length; t++) sum += Math.exp(logits[t] - max);
            Integer[] rank = new Integer[texts.length];
            for (int t = 0; t < rank.length; t++) rank[t] = t;
            final double[] l = logits;
            java.util.Arrays.sort(rank, (a, b) -> Double.compare(l[b], l[a]));
            int k = Math.min(5, rank.length);
            List<String> top = new ArrayList<>();
            double[] p = new double[k];
            int rankOfTruth = -1;
            for (int r = 0; r < rank.length; r++) {
                if (r < k) {
                    top.add(captions.get(rank[r]));
                    p[r] = Math.exp(logits[rank[r]] - max) / sum;
                }
                if (rank[r] == truth) rankOfTruth = r;
            }
            out.add(new Example(heldOut.get(truth), Files.readAllBytes(data.heldOutImage(heldOut.get(truth))), top, p, rankOfTruth));
        }
        return out;
    }
}
