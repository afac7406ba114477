package dev.jclip.eval;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.data.loader.Batch;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.metrics.PairedRetrieval;
import dev.jclip.eval.metrics.RetrievalMetrics;
import dev.jclip.train.EvalHook;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.data.LoaderBatchSource;
import dev.jclip.train.data.TrainingData;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validation during training on {@code val-data} (shards or a CSV/TSV manifest, read with the run's tokenizer and
 * image settings, evaluation transform, in order): {@code val_loss}, the contrastive loss of each batch of
 * {@code batch-size} pairs averaged over pairs (as open_clip's {@code clip_val_loss}), and retrieval recall@1/5/10
 * in both directions over the whole set ({@code val_image_to_text_R@k}, {@code val_text_to_image_R@k}). Images
 * are encoded {@code batch-size / accum-freq} at a time and only their unit-length features are kept; the
 * recalls never build the similarity matrix ({@link PairedRetrieval}).
 */
public final class ValidationTrainingHook implements EvalHook {
    /** Recall cut-offs, as open_clip's. */
    public static final int[] KS = {1, 5, 10};

    /** The validation pairs in data order, through the trainer's loader with the evaluation transform. */
    private final LoaderBatchSource pairs;
    private final int microBatch;

    ValidationTrainingHook(LoaderBatchSource pairs, int microBatch) {
        this.pairs = pairs;
        this.microBatch = microBatch;
    }

    /** The hook for a config with {@code val-data} set; a missing file or shard is an error naming the option. */
    public static ValidationTrainingHook open(TrainConfig cfg, ClipConfig model) {
        String spec = cfg.evaluation().valData();
        if (spec == null) throw new ConfigException("val-data is not set");
        SampleSource source;
        try {
            source = TrainingData.samples(spec);
        } catch (ConfigException | IOException e) {
            throw new ConfigException("val-data: " + e.getMessage().replace("train-data", "val-data"));
        }
        LoaderConfig loader = TrainingData.loaderBuilder(cfg, model, cfg.data().batchSize()).train(false).dropLast(false).build();
        return new ValidationTrainingHook(new LoaderBatchSource(source, TrainingData.tokenizer(cfg, model), loader), cfg.microBatchSize());
    }

    /**
     * What one pass over the validation set keeps: the unit-length features in data order (row i of both is
     * pair i) and the pair-weighted mean of the batches' losses.
     */
    public record Features(double[][] images, double[][] texts, double loss) {
    }

    @Override
    public Map<String, Double> evaluate(ClipModel model, long step) {
        return metrics(features(model));
    }

    /** Encodes the validation set batch by batch. */
    public Features features(ClipModel model) {
        List<double[]> images = new ArrayList<>();
        List<double[]> texts = new ArrayList<>();
        double lossSum = 0;
        double logitScale = model.logitScale().value().getDouble(0);
        pairs.startEpoch(0, 0);
        try {
            for (Batch b = pairs.next(); b != null; b = pairs.next()) {
                INDArray fi = encode(model, b.images(), true);
                INDArray ft = encode(model, b.tokens(), false);
                lossSum += ContrastiveLoss.compute(fi, ft, logitScale).loss() * b.size();
                for (double[] row : Vectors.normalisedRows(fi.toFloatMatrix())) images.add(row);
                for (double[] row : Vectors.normalisedRows(ft.toFloatMatrix())) texts.add(row);
            }
        } finally {
            pairs.close(); // the loader's threads and open shard, until the next pass
        }
        if (images.isEmpty()) throw new IllegalStateException("val-data yielded no pairs");
        return new Features(images.toArray(double[][]::new), texts.toArray(double[][]::new), lossSum / images.size());
    }

    /** {@code val_loss} and the recalls, named as in metrics.jsonl. */
    public static Map<String, Double> metrics(Features f) {
        RetrievalMetrics r = PairedRetrieval.of(f.images(), f.texts(), KS);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("val_loss", f.loss());
        for (int k : KS) out.put("val_image_to_text_R@" + k, r.imageToText().get(k));
        for (int k : KS) out.put("val_text_to_image_R@" + k, r.textToImage().get(k));
        return out;
    }

    /** Features of a batch, {@code microBatch} rows at a time, each chunk's temporaries freed with its workspace. */
    private INDArray encode(ClipModel model, INDArray input, boolean image) {
        long n = input.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long from = 0; from < n; from += microBatch) {
            long to = Math.min(n, from + microBatch);
            INDArray chunk = input.get(NDArrayIndex.interval(from, to)).dup();
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                INDArray in = image ? chunk.castTo(model.logitScale().value().dataType()) : chunk;
                parts.add((image ? model.encodeImage(in) : model.encodeText(in)).detach());
            }
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(INDArray[]::new));
    }

    @Override
    public Set<String> options() {
        return Set.of("val-data", "val-frequency");
    }

    @Override
    public String epochFrequencyOption() {
        return "val-frequency";
    }
}
