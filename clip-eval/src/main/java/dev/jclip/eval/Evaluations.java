package dev.jclip.eval;

import dev.jclip.eval.data.ImageCaptionPairs;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.metrics.ClassificationMetrics;
import dev.jclip.eval.metrics.RetrievalMetrics;
import dev.jclip.eval.probe.FewShot;
import dev.jclip.eval.probe.LinearProbe;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.zeroshot.ZeroShotClassifier;
import java.io.IOException;
import java.util.List;

/** The three CLIP-paper evaluations, from encoder or features to an {@link EvalReport}. */
public final class Evaluations {
    private Evaluations() {
    }

    /**
     * Where features come from: an encoder plus an optional cache. {@code modelKey} identifies the model in cache
     * keys (e.g. the checkpoint path, size and modification time).
     */
    public record FeatureSource(ImageTextEncoder encoder, int batchSize, FeatureCache cache, String modelKey) {

        /** Raw image features of every sample of {@code d}, from the cache when present. */
        public float[][] images(LabelledImageDataset d) throws IOException {
            FeatureExtractor fx = new FeatureExtractor(encoder, batchSize);
            return cached("images|" + d.fingerprint(), () -> fx.images(d.size(), d::image));
        }

        float[][] cached(String what, FeatureCache.Compute compute) throws IOException {
            if (cache == null) return compute.get();
            // a representation before the projection is another feature than the embedding of the same image
            String features = encoder instanceof ModelEncoder m && m.imageFeatures() != ModelEncoder.ImageFeatures.PROJECTED
                    ? "|features=" + m.imageFeatures().label() : "";
            String key = "model=" + modelKey + features + "|size=" + encoder.imageSize() + "|preprocess=" + encoder.preprocessing().toJson() + "|" + what;
            return cache.getOrCompute(key, compute);
        }
    }

    /** Zero-shot classification of {@code dataset} with its class names filled into {@code templates}. */
    public static EvalReport zeroShot(FeatureSource src, LabelledImageDataset dataset, List<String> templates, String modelName) throws IOException {
        return zeroShot(src, dataset, dataset.classNames().stream().map(List::of).toList(), templates, modelName);
    }

    /**
     * Zero-shot classification of {@code dataset} with one or more names per class (in label order; e.g. a
     * {@link dev.jclip.eval.zeroshot.ZeroShotSuite}'s) filled into {@code templates}.
     */
    public static EvalReport zeroShot(FeatureSource src, LabelledImageDataset dataset, List<List<String>> classSynonyms,
                                      List<String> templates, String modelName) throws IOException {
        int classes = dataset.classNames().size();
        if (classSynonyms.size() != classes) {
            throw new IllegalArgumentException(classSynonyms.size() + " classes named for " + dataset.name() + ", which has " + classes);
        }
        double[][] scores;
        if (src.encoder().scoresPrompts()) {
            scores = ZeroShotClassifier.likelihoodScores(src.encoder(), src.images(dataset), classSynonyms, templates);
        } else {
            double[][] weights = ZeroShotClassifier.classWeightsOfSynonyms(new FeatureExtractor(src.encoder(), src.batchSize()), classSynonyms, templates);
            scores = Vectors.dotProducts(Vectors.normalisedRows(src.images(dataset)), weights);
        }
        ClassificationMetrics m = ClassificationMetrics.of(scores, dataset.labels(), classes);
        EvalReport r = new EvalReport("zeroshot", dataset.name(), modelName)
                .metric("top1", m.top1()).metric("top5", m.top5()).metric("mean_per_class_recall", m.meanPerClassRecall());
        if (classSynonyms.stream().anyMatch(s -> s.size() > 1)) r.setting("class_synonyms", classSynonyms);
        if (src.encoder().scoresPrompts()) r.setting("class_score", "mean over the class's prompts of their likelihood under the caption head");
        return r.setting("templates", templates).setting("num_classes", classes)
                .setting("num_samples", dataset.size()).setting("image_size", src.encoder().imageSize())
                .setting("batch_size", src.batchSize())
                .classification(dataset.classNames(), m);
    }

    /** Image-to-text and text-to-image recall@1/5/10 over caption pairs. */
    public static EvalReport retrieval(FeatureSource src, ImageCaptionPairs pairs, String modelName) throws IOException {
        if (src.encoder().scoresPrompts()) {
            throw new IllegalArgumentException(modelName + " predicts captions (bag-of-words or caption-LM objective) and has no text"
                    + " embedding to retrieve with: retrieval needs a contrastive model");
        }
        FeatureExtractor fx = new FeatureExtractor(src.encoder(), src.batchSize());
        double[][] images = Vectors.normalisedRows(src.cached("pair-images|" + pairs.fingerprint(), () -> fx.images(pairs.imageCount(), pairs::image)));
        double[][] texts = Vectors.normalisedRows(src.cached("pair-texts|" + pairs.fingerprint(), () -> fx.texts(pairs.captions())));
        int[] ks = {1, 5, 10};
        RetrievalMetrics m = RetrievalMetrics.of(Vectors.dotProducts(images, texts), pairs.captionToImage(), ks);
        EvalReport r = new EvalReport("retrieval", pairs.name(), modelName);
        for (int k : ks) r.metric("image_to_text_R@" + k, m.imageToText().get(k));
        for (int k : ks) r.metric("text_to_image_R@" + k, m.textToImage().get(k));
        return r.setting("num_images", m.numImages()).setting("num_captions", m.numTexts())
                .setting("image_size", src.encoder().imageSize()).setting("batch_size", src.batchSize())
                .setting("tie_rule", "ties count against the correct item");
    }

    /**
     * The linear probe on fixed features: rows are L2-normalised, C chosen on a validation split of the
     * training features, the model refitted on all training features and scored on the test features.
     */
    public static EvalReport linearProbe(float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int[] testLabels,
                                         List<String> classNames, LinearProbe.Settings settings, String datasetName, String modelName) {
        LinearProbe.Result r = LinearProbe.run(Vectors.normalisedRows(trainFeatures), trainLabels, Vectors.normalisedRows(testFeatures),
                testLabels, classNames.size(), settings);
        ClassificationMetrics m = r.test();
        return new EvalReport("linear-probe", datasetName, modelName)
                .metric("linear_probe_top1", m.top1()).metric("linear_probe_top5", m.top5())
                .metric("linear_probe_mean_per_class_recall", m.meanPerClassRecall()).metric("linear_probe_C", r.bestC())
                .setting("num_classes", classNames.size()).setting("train_samples", r.trainSize())
                .setting("validation_samples", r.validationSize()).setting("test_samples", testLabels.length)
                .setting("feature_dim", trainFeatures[0].length).setting("feature_normalisation", "L2 per sample")
                .setting("validation_fraction", settings.validationFraction()).setting("seed", settings.seed())
                .setting("C_range", "1e" + settings.minLog10C() + "..1e" + settings.maxLog10C())
                .setting("refinements", settings.refinements())
                .setting("lbfgs_max_iterations", settings.lbfgs().maxIterations())
                .setting("lbfgs_gradient_tolerance", settings.lbfgs().gradientTolerance())
                .setting("final_fit_iterations", r.model().fit().iterations())
                .setting("final_fit_converged", r.model().fit().converged())
                .classification(classNames, m).sweep(r.sweep(), r.bestC());
    }

    /**
     * Few-shot linear probes (CLIP paper, Figure 6): rows L2-normalised, then {@link FewShot#run}. With a
     * zero-shot top-1 on the same test set (NaN for none) the report also gives the shot count at which the
     * probe's mean matches it.
     */
    public static EvalReport fewShot(float[][] trainFeatures, int[] trainLabels, float[][] testFeatures, int[] testLabels,
                                     List<String> classNames, FewShot.Settings settings, double zeroShotTop1, String datasetName, String modelName) {
        FewShot.Result r;
        try {
            r = FewShot.run(Vectors.normalisedRows(trainFeatures), trainLabels, Vectors.normalisedRows(testFeatures), testLabels,
                    classNames.size(), settings);
        } catch (FewShot.TooFewSamples e) {
            throw new IllegalArgumentException(datasetName + ": " + e.getMessage() + " (class " + e.classIndex() + " is '"
                    + classNames.get(e.classIndex()) + "')", e);
        }
        EvalReport report = new EvalReport("few-shot", datasetName, modelName);
        for (FewShot.Point p : r.points()) {
            report.metric("few_shot_top1@" + p.shots(), p.meanTop1()).metric("few_shot_top1_std@" + p.shots(), p.stdTop1());
        }
        FewShot.Match match = Double.isNaN(zeroShotTop1) ? null : FewShot.matchingShots(r.points(), zeroShotTop1);
        report.fewShot(r.points(), zeroShotTop1, match == null ? Double.NaN : match.shots());
        if (match != null) {
            report.metric("zero_shot_top1", zeroShotTop1).metric("zero_shot_matching_shots", match.shots());
            report.setting("matching_shots_status", match.status());
            String zs = String.format(java.util.Locale.ROOT, "%.2f %%", 100 * zeroShotTop1);
            int lo = settings.shots().get(0);
            int hi = settings.shots().get(settings.shots().size() - 1);
            report.note(switch (match.status()) {
                case "interpolated" -> String.format(java.util.Locale.ROOT,
                        "Zero-shot (%s top-1) is matched by a linear probe with %.2f labelled examples per class (interpolated on log2 n).", zs, match.shots());
                case "below range" -> "Zero-shot (" + zs + " top-1) is below the probe already at " + lo + " example(s) per class.";
                default -> "Zero-shot (" + zs + " top-1) is above the probe at every shot count up to " + hi + " per class.";
            });
        }
        return report.setting("shots", settings.shots()).setting("draws", settings.draws()).setting("seed", settings.seed())
                .setting("C", settings.fixedC() == null ? "searched on the validation split" : settings.fixedC())
                .setting("num_classes", classNames.size()).setting("train_pool_samples", trainLabels.length - r.validationSize())
                .setting("validation_samples", r.validationSize()).setting("test_samples", testLabels.length)
                .setting("feature_dim", trainFeatures[0].length).setting("feature_normalisation", "L2 per sample")
                .setting("C_range", "1e" + settings.probe().minLog10C() + "..1e" + settings.probe().maxLog10C())
                .setting("refinements", settings.probe().refinements())
                .setting("lbfgs_max_iterations", settings.probe().lbfgs().maxIterations());
    }
}
