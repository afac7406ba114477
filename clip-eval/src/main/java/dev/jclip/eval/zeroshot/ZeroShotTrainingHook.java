package dev.jclip.eval.zeroshot;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.train.EvalHook;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.data.TrainingData;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.CollectiveException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Zero-shot top-1 / top-5 during training on {@code zeroshot-dataset} (any clip-eval dataset spec: image folder,
 * CSV, IDX), with the training vocabulary, logged as {@code zeroshot_top1} / {@code zeroshot_top5}. The dataset
 * and templates are opened by {@link #open}, before training starts. In a distributed run each rank classifies
 * its part of the images (every world-th one) and the ranks sum their counts of hits: the metrics equal the
 * one-process ones, on every rank. (Each rank still embeds every class prompt: a few texts per class.)
 * Images go through the run's own image settings (mean, std, alpha background), as the saved model's
 * preprocessing will say.
 */
public final class ZeroShotTrainingHook implements EvalHook {
    private final LabelledImageDataset dataset;
    private final List<String> templates;
    private final ClipTokenizer tokenizer;
    private final PreprocessConfig preprocessing;

    /** With CLIP's image settings at the model's size (tests). */
    ZeroShotTrainingHook(LabelledImageDataset dataset, List<String> templates, ClipTokenizer tokenizer) {
        this(dataset, templates, tokenizer, null);
    }

    /** @param preprocessing the run's image settings; null for CLIP's at the model's image size */
    ZeroShotTrainingHook(LabelledImageDataset dataset, List<String> templates, ClipTokenizer tokenizer,
                         PreprocessConfig preprocessing) {
        this.dataset = dataset;
        this.templates = templates;
        this.tokenizer = tokenizer;
        this.preprocessing = preprocessing;
    }

    /** The hook for a config with {@code zeroshot-dataset} set; errors name the option. */
    public static ZeroShotTrainingHook open(TrainConfig cfg, ClipConfig model) {
        TrainConfig.Evaluation e = cfg.evaluation();
        if (e.zeroshotDataset() == null) throw new ConfigException("zeroshot-dataset is not set");
        try {
            LabelledImageDataset all = DatasetSpec.open(e.zeroshotDataset(), null);
            LabelledImageDataset dataset = e.zeroshotLimit() > 0 && e.zeroshotLimit() < all.size()
                    ? DatasetView.random(all, e.zeroshotLimit(), cfg.runtime().seed()) : all;
            List<String> templates = e.zeroshotTemplates() == null ? PromptTemplates.DEFAULT
                    : PromptTemplates.read(Path.of(e.zeroshotTemplates()));
            return new ZeroShotTrainingHook(dataset, templates, TrainingData.tokenizer(cfg, model), TrainingData.preprocessing(cfg, model));
        } catch (IOException | IllegalArgumentException ex) {
            throw new ConfigException("zeroshot-dataset: " + ex.getMessage());
        }
    }

    @Override
    public Map<String, Double> evaluate(ClipModel model, long step) throws IOException {
        return evaluate(model, step, dataset);
    }

    @Override
    public Map<String, Double> evaluate(ClipModel model, long step, Collective c) throws IOException {
        LabelledImageDataset part = DatasetView.part(dataset, c.rank(), c.worldSize());
        // hits of this rank's images, and whether it failed: every rank must reach the sum, failed or not
        double[] counts = new double[3];
        String failure = null;
        if (part.size() > 0) {
            try {
                Map<String, Double> m = evaluate(model, step, part);
                counts[0] = Math.round(m.get("zeroshot_top1") * part.size());
                counts[1] = Math.round(m.get("zeroshot_top5") * part.size());
            } catch (IOException | RuntimeException e) {
                failure = e.toString();
                counts[2] = 1;
            }
        }
        c.allReduceSum(counts);
        if (counts[2] > 0) {
            throw new CollectiveException("zero-shot evaluation failed on " + (int) counts[2] + " rank(s)" + (failure != null ? "; rank "
                    + c.rank() + ": " + failure : ""));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("zeroshot_top1", counts[0] / dataset.size());
        out.put("zeroshot_top5", counts[1] / dataset.size());
        return out;
    }

    private Map<String, Double> evaluate(ClipModel model, long step, LabelledImageDataset images) throws IOException {
        Evaluations.FeatureSource src = new Evaluations.FeatureSource((preprocessing == null ? new ModelEncoder(model, tokenizer) : new ModelEncoder(model, tokenizer, preprocessing)), 64, null, "step " + step);
        Map<String, Double> m = Evaluations.zeroShot(src, images, templates, "step " + step).metrics();
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("zeroshot_top1", m.get("top1"));
        out.put("zeroshot_top5", m.get("top5"));
        return out;
    }

    @Override
    public Set<String> options() {
        return Set.of("zeroshot-dataset", "zeroshot-templates", "zeroshot-limit", "zeroshot-frequency");
    }

    @Override
    public String epochFrequencyOption() {
        return "zeroshot-frequency";
    }
}
