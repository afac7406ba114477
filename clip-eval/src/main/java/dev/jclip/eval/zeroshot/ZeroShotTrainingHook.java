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

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Zero-shot top-1 / top-5 during training on {@code zeroshot-dataset} (any clip-eval dataset spec: image folder,
 * CSV, IDX), with the training vocabulary, logged as {@code zeroshot_top1} / {@code zeroshot_top5}. The dataset
 * and templates are opened by {@link #open}, before training starts; images go through the run's own image
 * settings (mean, std, alpha background), as the saved model's preprocessing will say.
 */
public final class ZeroShotTrainingHook implements EvalHook {
    private final LabelledImageDataset dataset;
    private final List<String> templates;
    private final ClipTokenizer tokenizer;
    private final PreprocessConfig preprocessing;

    private ZeroShotTrainingHook(LabelledImageDataset dataset, List<String> templates, ClipTokenizer tokenizer,
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
        Evaluations.FeatureSource src = new Evaluations.FeatureSource(new ModelEncoder(model, tokenizer, preprocessing), 64, null, "step " + step);
        Map<String, Double> m = Evaluations.zeroShot(src, dataset, templates, "step " + step).metrics();
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
