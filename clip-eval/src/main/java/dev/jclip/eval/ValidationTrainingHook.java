package dev.jclip.eval;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.core.model.SigLipLoss;
import dev.jclip.data.loader.Batch;
import dev.jclip.data.loader.DataLoader;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.LoaderPosition;
import dev.jclip.data.loader.RawSample;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.SampleStream;
import dev.jclip.data.loader.ShardSlot;
import dev.jclip.data.loader.SkipCounter;
import dev.jclip.data.text.CaptionTokenizer;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.metrics.PairedRetrieval;
import dev.jclip.eval.metrics.RetrievalMetrics;
import dev.jclip.train.EvalHook;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.data.TrainingData;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.CollectiveException;
import dev.jclip.train.dist.Collectives;
import dev.jclip.train.dist.RankBatches;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Validation during training on {@code val-data} (shards or a CSV/TSV manifest, read with the run's tokenizer and
 * image settings, evaluation transform, in order): {@code val_loss}, the training objective's loss of each batch of
 * {@code batch-size} pairs averaged over pairs (as open_clip's {@code clip_val_loss}; for a SigLIP model its sigmoid
 * loss with the model's {@code logit_bias}, not the softmax loss), and retrieval recall@1/5/10
 * in both directions over the whole set ({@code val_image_to_text_R@k}, {@code val_text_to_image_R@k}). Images
 * are encoded {@code batch-size / accum-freq} at a time and only their unit-length features are kept; the
 * recalls never build the similarity matrix ({@link PairedRetrieval}).
 *
 * <p>In a distributed run each rank encodes a fixed, contiguous share of the batches ({@link RankBatches}; batch
 * k being the pairs from position k x batch-size of the stream), and the features and each batch's loss are
 * all-gathered in data order: every rank then holds what one process holds, and computes the same metrics from it.
 */
public final class ValidationTrainingHook implements EvalHook {
    /** Recall cut-offs, as open_clip's. */
    public static final int[] KS = {1, 5, 10};

    /** The validation pairs in data order, read through the trainer's loader with the evaluation transform. */
    private final SampleSource source;
    private final CaptionTokenizer tokenizer;
    private final LoaderConfig loader;
    private final int microBatch;
    /** Pairs in the stream when the source cannot tell without reading (shards without sizes.json); counted once. */
    private volatile Long counted;

    /** Reads {@code source} as the trainer reads its data for {@code cfg} and {@code model}, in evaluation mode. */
    ValidationTrainingHook(SampleSource source, TrainConfig cfg, ClipConfig model) {
        this.source = source;
        this.tokenizer = TrainingData.tokenizer(cfg, model);
        this.loader = TrainingData.loaderBuilder(cfg, model, cfg.data().batchSize()).train(false).dropLast(false).build();
        this.microBatch = cfg.microBatchSize();
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
        return new ValidationTrainingHook(source, cfg, model);
    }

    /**
     * What one pass over the validation set keeps: the unit-length features in data order (row i of both is
     * pair i) and the pair-weighted mean of the batches' losses.
     */
    public record Features(double[][] images, double[][] texts, double loss) {
    }

    /** One rank's share of a pass: its pairs' features and, per batch, the batch's loss times its pairs. */
    private record Part(List<double[]> images, List<double[]> texts, double[] weightedLosses) {
    }

    @Override
    public Map<String, Double> evaluate(ClipModel model, long step) {
        return metrics(features(model));
    }

    /**
     * This rank's share of the batches, encoded here; the features and batch losses of every share all-gathered in
     * rank (= data) order, so the metrics are the one-process ones, on every rank. A rank that fails (unreadable
     * data, the model) makes every rank throw, after the one exchange every rank reaches.
     */
    @Override
    public Map<String, Double> evaluate(ClipModel model, long step, Collective c) {
        Part mine = null;
        String failure = null;
        try {
            mine = part(model, c.rank(), c.worldSize());
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        double[] status = new double[2 * c.worldSize()];   // per rank: failed, pairs
        c.allGather(new double[] {failure != null ? 1 : 0, mine == null ? 0 : mine.images().size()}, status);
        int failed = 0;
        long pairs = 0;
        for (int r = 0; r < c.worldSize(); r++) {
            failed += (int) status[2 * r];
            pairs += (long) status[2 * r + 1];
        }
        if (failed > 0) {
            throw new CollectiveException("validation failed on " + failed + " rank(s)" + (failure != null ? "; rank "
                    + c.rank() + ": " + failure : ""));
        }
        double[] images = Collectives.allGatherConcat(c, flat(mine.images()));
        double[] texts = Collectives.allGatherConcat(c, flat(mine.texts()));
        double[] losses = Collectives.allGatherConcat(c, mine.weightedLosses());
        if (pairs == 0) throw new IllegalStateException("val-data yielded no pairs");
        return metrics(combine(rows(images, pairs), rows(texts, pairs), losses));
    }

    /** Encodes the whole validation set, batch by batch. */
    public Features features(ClipModel model) {
        Part p = part(model, 0, 1);
        if (p.images().isEmpty()) throw new IllegalStateException("val-data yielded no pairs");
        return combine(p.images().toArray(double[][]::new), p.texts().toArray(double[][]::new), p.weightedLosses());
    }

    /** The features of rank {@code rank}'s share of the batches in a world of {@code world} (its own loss: tests). */
    Features features(ClipModel model, int rank, int world) {
        Part p = part(model, rank, world);
        double[][] images = p.images().toArray(double[][]::new);
        return images.length == 0 ? new Features(images, images, Double.NaN)
                : combine(images, p.texts().toArray(double[][]::new), p.weightedLosses());
    }

    /** The pair-weighted mean loss summed in data order, as one process sums it, so any world gives the same bits. */
    private static Features combine(double[][] images, double[][] texts, double[] weightedLosses) {
        double sum = 0;
        for (double l : weightedLosses) sum += l;
        return new Features(images, texts, sum / images.length);
    }

    /**
     * Encodes the batches of rank {@code rank}'s share: the loader starts at the share's first batch (skipping the
     * pairs before it unread: no decoding) and, unless the share is the last, stops at the next share's first pair.
     * A world of one reads everything.
     */
    private Part part(ClipModel model, int rank, int world) {
        List<double[]> images = new ArrayList<>();
        List<double[]> texts = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        long b = loader.batchSize();
        RankBatches share = world == 1 ? new RankBatches(0, 0) : RankBatches.of(batches(), rank, world);
        boolean last = rank == world - 1;
        if (share.size() > 0 || last) {
            SampleSource s = last ? source : new FirstSamples(source, share.to() * b);
            double logitScale = model.logitScale().value().getDouble(0);
            double logitBias = model.logitBias() != null ? model.logitBias().value().getDouble(0) : 0;
            try (DataLoader pairs = DataLoader.open(s, tokenizer, loader, new LoaderPosition(0, share.from(), share.from() * b))) {
                for (Batch batch = pairs.next(); batch != null; batch = pairs.next()) {
                    INDArray fi = encode(model, batch.images(), true);
                    INDArray ft = encode(model, batch.tokens(), false);
                    // the training objective's loss: SigLIP's sigmoid loss with the model's bias when it has one
                    double loss = model.logitBias() != null
                            ? SigLipLoss.compute(fi, ft, logitScale, logitBias, SigLipLoss.DEFAULT_ROW_BLOCK).loss()
                            : ContrastiveLoss.compute(fi, ft, logitScale).loss();
                    losses.add(loss * batch.size());
                    for (double[] row : Vectors.normalisedRows(fi.toFloatMatrix())) images.add(row);
                    for (double[] row : Vectors.normalisedRows(ft.toFloatMatrix())) texts.add(row);
                }
            }
        }
        return new Part(images, texts, losses.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Batches of a pass: the pairs of the stream (known, or counted once by reading it undecoded) over batch-size. */
    private long batches() {
        Long known = source.knownSize();
        if (known == null) {
            if (counted == null) {
                long n = 0;
                try (SampleStream s = source.open(loader.seed(), 0, false, new SkipCounter(), new AtomicLong())) {
                    while (s.next() != null) n++;
                }
                counted = n;
            }
            known = counted;
        }
        return (known + loader.batchSize() - 1) / loader.batchSize();
    }

    private static double[] flat(List<double[]> rows) {
        int width = rows.isEmpty() ? 0 : rows.get(0).length;
        double[] out = new double[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, out, i * width, width);
        return out;
    }

    private static double[][] rows(double[] flat, long n) {
        int width = (int) (flat.length / n);
        double[][] out = new double[(int) n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        return out;
    }

    /** The first {@code count} samples of a source's stream. */
    private record FirstSamples(SampleSource all, long count) implements SampleSource {
        @Override
        public SampleStream open(long seed, int epoch, boolean shuffle, SkipCounter skips, AtomicLong shardsOpened) {
            return first(all.open(seed, epoch, shuffle, skips, shardsOpened));
        }

        @Override
        public SampleStream open(long seed, int epoch, boolean shuffle, List<ShardSlot> readers, SkipCounter skips,
                                 AtomicLong shardsOpened) {
            return first(all.open(seed, epoch, shuffle, readers, skips, shardsOpened));
        }

        private SampleStream first(SampleStream stream) {
            return new SampleStream() {
                private long left = count;

                @Override
                public RawSample next() {
                    if (left <= 0) return null;
                    left--;
                    return stream.next();
                }

                @Override
                public void close() {
                    stream.close();
                }
            };
        }

        @Override
        public boolean infinite() {
            return false;
        }

        @Override
        public Long knownSize() {
            Long k = all.knownSize();
            return k == null ? null : Math.min(k, count);
        }
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
