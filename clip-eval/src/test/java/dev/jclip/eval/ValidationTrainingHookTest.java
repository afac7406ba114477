package dev.jclip.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.NaiveContrastiveLoss;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.features.Vectors;
import dev.jclip.eval.metrics.RetrievalMetrics;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import dev.jclip.train.data.TrainingData;
import dev.jclip.train.dist.DistributedRuns;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.SampleStream;
import dev.jclip.data.loader.SkipCounter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * val-data: the loss and recalls equal naive computations, they reach metrics.jsonl at the scheduled steps, and
 * thread-ranks that share the batches report the one-process metrics.
 */
class ValidationTrainingHookTest {
    private static final ClipConfig TINY = ClipConfig.preset("ViT-tiny");
    private static final int PAIRS = 20;
    @TempDir
    static Path tmp;
    static Path vocab;
    static SyntheticShapes synth = new SyntheticShapes(40, 8);

    @BeforeAll
    static void data() throws Exception {
        synth.writeShards(tmp.resolve("val"), "val", PAIRS, 7, "png");
        new SyntheticShapes(40, 9).writeShards(tmp.resolve("train"), "train", 32, 16, "png");
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < PAIRS; i++) bpe.addCaption(synth.sample(i).caption());
        vocab = tmp.resolve("vocab.txt");
        bpe.trainAndWrite(vocab);
    }

    private static TrainConfig config(Path out, Object... more) {
        TrainConfig.Builder b = TrainConfig.builder().model("ViT-tiny").batchSize(8).accumFreq(2).vocab(vocab.toString())
                .valData(tmp.resolve("val") + "/val-{00000..00002}.tar").output(out.toString()).lr(1e-3).warmup(1).seed(2)
                .imageMean("0.5").imageStd("0.25");
        for (int i = 0; i < more.length; i += 2) b.set((String) more[i], more[i + 1], "test");
        return b.build();
    }

    @Test
    void lossAndRecallsEqualNaiveComputationsOnTheSameFeatures() throws Exception {
        TrainConfig cfg = config(tmp.resolve("unused"), "eval-every", 1);
        ValidationTrainingHook hook = ValidationTrainingHook.open(cfg, TINY);
        try (ClipModel model = ClipModel.create(TINY, 5)) {
            model.setTraining(false);
            ValidationTrainingHook.Features f = hook.features(model);
            assertEquals(PAIRS, f.images().length, "every pair once, the last batch of 4 kept");

            // the features are those of each image and caption encoded on its own, in data order, with the run's
            // image settings (mean 0.5, std 0.25) and the evaluation transform
            PreprocessConfig p = TrainingData.preprocessing(cfg, TINY);
            assertEquals(0.25f, p.std()[1]);
            ClipImageTransform t = new ClipImageTransform(p);
            ClipTokenizer tok = ClipTokenizer.load(vocab);
            double logitScale = model.logitScale().value().getDouble(0);
            for (int i = 0; i < PAIRS; i++) {
                float[] px = new float[t.floatsPerImage()];
                t.evalInto(synth.sample(i).image(), px, 0);
                double[] img = Vectors.normalisedRows(model.encodeImage(Nd4j.create(px, new long[] {1, 3, 32, 32}, 'c')).toFloatMatrix())[0];
                double[] txt = Vectors.normalisedRows(model.encodeText(Nd4j.createFromArray(new int[][] {tok.tokenize(synth.sample(i).caption(), 16, true)})).toFloatMatrix())[0];
                for (int j = 0; j < img.length; j++) {
                    assertEquals(img[j], f.images()[i][j], 1e-4, "image " + i);
                    assertEquals(txt[j], f.texts()[i][j], 1e-4, "text " + i);
                }
            }
            // recall: the full similarity matrix and RetrievalMetrics, on the same features
            int[] identity = new int[PAIRS];
            for (int i = 0; i < PAIRS; i++) identity[i] = i;
            RetrievalMetrics naive = RetrievalMetrics.of(Vectors.dotProducts(f.images(), f.texts()), identity, 1, 5, 10);
            Map<String, Double> m = ValidationTrainingHook.metrics(f);
            for (int k : new int[] {1, 5, 10}) {
                assertEquals(naive.imageToText().get(k), m.get("val_image_to_text_R@" + k));
                assertEquals(naive.textToImage().get(k), m.get("val_text_to_image_R@" + k));
            }
            // loss: batches of 8, 8 and 4 in order, each CLIP's symmetric cross-entropy in double, weighted by size
            double sum = 0;
            double scale = Math.exp(logitScale);
            for (int from = 0; from < PAIRS; from += 8) {
                int to = Math.min(PAIRS, from + 8);
                double[][] img = Arrays.copyOfRange(f.images(), from, to), txt = Arrays.copyOfRange(f.texts(), from, to);
                sum += (to - from) * NaiveContrastiveLoss.of(img, txt, scale);
            }
            assertEquals(sum / PAIRS, m.get("val_loss"), 1e-4);
        }
    }

    @Test
    void aSigLipModelsLossIsTheSigmoidLossWithItsBias() throws Exception {
        ValidationTrainingHook hook = ValidationTrainingHook.open(config(tmp.resolve("unused-siglip"), "eval-every", 1), TINY.withSiglip());
        try (ClipModel model = ClipModel.create(TINY.withSiglip(), 5)) {
            model.setTraining(false);
            model.logitBias().value().assign(-1.5);   // not the initial -10: the bias must count
            ValidationTrainingHook.Features f = hook.features(model);
            // batches of 8, 8 and 4: sum over all pairs of -log sigmoid(z (exp(t) u.v + b)), z = 1 on the diagonal
            // and -1 off it, divided by the batch size; then weighted by size and averaged over the pairs
            double scale = Math.exp(model.logitScale().value().getDouble(0)), sum = 0;
            for (int from = 0; from < PAIRS; from += 8) {
                int n = Math.min(8, PAIRS - from);
                double loss = 0;
                for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int d = 0; d < f.images()[0].length; d++) s += f.images()[from + i][d] * f.texts()[from + j][d];
                    double x = (i == j ? 1 : -1) * (scale * s - 1.5);
                    loss += Math.log(1 + Math.exp(-x));
                }
                sum += loss;   // the batch's loss (loss / n) weighted by its n pairs
            }
            assertEquals(sum / PAIRS, f.loss(), 1e-4);
        }
    }

    @Test
    void aCsvManifestGivesTheSameFeaturesAsTheShardsOfTheSamePairs() throws Exception {
        Path dir = tmp.resolve("csv");
        Files.createDirectories(dir);
        StringBuilder csv = new StringBuilder("filepath,title\n");
        for (int i = 0; i < PAIRS; i++) {
            SyntheticShapes.Sample s = synth.sample(i);
            Files.write(dir.resolve(s.key() + ".png"), dev.jclip.data.image.ImageEncoder.png(s.image()));
            csv.append(s.key()).append(".png,\"").append(s.caption()).append("\"\n");
        }
        Files.writeString(dir.resolve("val.csv"), csv);
        try (ClipModel model = ClipModel.create(TINY, 5)) {
            model.setTraining(false);
            ValidationTrainingHook.Features shards = ValidationTrainingHook.open(config(tmp.resolve("u1"), "eval-every", 1), TINY).features(model);
            ValidationTrainingHook.Features rows = ValidationTrainingHook.open(config(tmp.resolve("u2"), "eval-every", 1,
                    "val-data", dir.resolve("val.csv").toString()), TINY).features(model);
            for (int i = 0; i < PAIRS; i++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(shards.images()[i], rows.images()[i], "image " + i);
                org.junit.jupiter.api.Assertions.assertArrayEquals(shards.texts()[i], rows.texts()[i], "text " + i);
            }
            assertEquals(shards.loss(), rows.loss());
        }
    }

    @Test
    void validationMetricsReachMetricsJsonlAtTheScheduledSteps() throws Exception {
        Path run = tmp.resolve("run");
        TrainConfig cfg = config(run, "train-data", tmp.resolve("train") + "/train-{00000..00001}.tar", "steps", 5, "eval-every", 2,
                "checkpoint-every", 0);
        Trainer.builder().config(cfg).evalHook(ValidationTrainingHook.open(cfg, TINY)).interactive(false).build().fit();
        List<Long> steps = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = json.readTree(line);
            if (!n.has("val_loss")) continue;
            steps.add(n.get("step").asLong());
            assertTrue(n.get("val_loss").asDouble() > 0 && n.has("val_image_to_text_R@10") && n.has("val_text_to_image_R@1"), line);
        }
        assertEquals(List.of(2L, 4L, 5L), steps);
    }

    /** One process's features and metrics with the model every rank holds (seed 5). */
    private static ValidationTrainingHook.Features oneProcess(TrainConfig cfg) {
        try (ClipModel model = ClipModel.create(TINY, 5)) {
            model.setTraining(false);
            return ValidationTrainingHook.open(cfg, TINY).features(model);
        }
    }

    /** A rank's share (features of its own batches) and what its distributed evaluation returned. */
    private record RankResult(ValidationTrainingHook.Features share, Map<String, Double> metrics) {
    }

    /** Each thread-rank opens its own hook and model, as each process of a run does, and evaluates at step 7. */
    private static List<RankResult> onRanks(int world, TrainConfig cfg) throws Exception {
        return DistributedRuns.onRanks(world, Duration.ofMinutes(2), c -> {
            try (ClipModel model = ClipModel.create(TINY, 5)) {
                model.setTraining(false);
                ValidationTrainingHook hook = ValidationTrainingHook.open(cfg, TINY);
                return new RankResult(hook.features(model, c.rank(), c.worldSize()), hook.evaluate(model, 7, c));
            }
        });
    }

    /** The shares are contiguous runs of whole batches in rank order, together every pair once, as one process read them. */
    private static void assertSharesTile(ValidationTrainingHook.Features all, List<RankResult> ranks, int... sizes) {
        int at = 0;
        for (int r = 0; r < ranks.size(); r++) {
            ValidationTrainingHook.Features share = ranks.get(r).share();
            assertEquals(sizes[r], share.images().length, "pairs encoded by rank " + r);
            for (int i = 0; i < share.images().length; i++, at++) {
                assertArrayEquals(all.images()[at], share.images()[i], "image " + at + " on rank " + r);
                assertArrayEquals(all.texts()[at], share.texts()[i], "text " + at + " on rank " + r);
            }
        }
        assertEquals(PAIRS, at);
    }

    @Test
    void ranksEncodeContiguousSharesOfTheBatchesAndReportTheOneProcessMetrics() throws Exception {
        TrainConfig cfg = config(tmp.resolve("unused-dist"), "eval-every", 1);
        ValidationTrainingHook.Features all = oneProcess(cfg);
        Map<String, Double> one = ValidationTrainingHook.metrics(all);
        // batches of 8, 8 and 4: 2 ranks take 2 batches and 1, 4 ranks 1, 1, 1 and none
        List<RankResult> two = onRanks(2, cfg);
        assertSharesTile(all, two, 16, 4);
        List<RankResult> four = onRanks(4, cfg);
        assertSharesTile(all, four, 8, 8, 4, 0);
        for (List<RankResult> ranks : List.of(two, four)) {
            // the same bits: features gathered exactly, batch losses summed in data order as one process sums them
            for (RankResult r : ranks) assertEquals(one, r.metrics());
        }
        // a share's own loss differs from the whole set's: the gathered loss is not one rank's
        assertTrue(Math.abs(two.get(1).share().loss() - all.loss()) > 1e-6);
    }

    @Test
    void shardsWithoutSizesAreCountedOnceAndSplitTheSameWay() throws Exception {
        Path dir = tmp.resolve("val-unsized");
        Files.createDirectories(dir);
        for (int i = 0; i < 3; i++) {
            String name = String.format("val-%05d.tar", i);
            Files.copy(tmp.resolve("val").resolve(name), dir.resolve(name));
        }
        TrainConfig cfg = config(tmp.resolve("unused-unsized"), "eval-every", 1, "val-data", dir + "/val-{00000..00002}.tar");
        assertEquals(null, TrainingData.samples(cfg.evaluation().valData()).knownSize(), "no sizes.json: the size is unknown");
        ValidationTrainingHook.Features all = oneProcess(cfg);
        List<RankResult> three = onRanks(3, cfg);
        assertSharesTile(all, three, 8, 8, 4);
        for (RankResult r : three) assertEquals(ValidationTrainingHook.metrics(all), r.metrics());
    }

    @Test
    void aRankThatFailsMakesEveryRankFailWithoutWaiting() throws Exception {
        TrainConfig cfg = config(tmp.resolve("unused-fail"), "eval-every", 1);
        SampleSource unreadable = new SampleSource() {
            @Override
            public SampleStream open(long seed, int epoch, boolean shuffle, SkipCounter skips, AtomicLong shardsOpened) {
                throw new UncheckedIOException(new java.io.IOException("val-data vanished"));
            }

            @Override public boolean infinite() { return false; }
            @Override public Long knownSize() { return (long) PAIRS; }
        };
        List<String> messages = DistributedRuns.onRanks(2, Duration.ofMinutes(2), c -> {
            // rank 1 (the share of the last batch) cannot read its data; rank 0 can
            ValidationTrainingHook hook = c.rank() == 1
                    ? new ValidationTrainingHook(unreadable, cfg, TINY)
                    : ValidationTrainingHook.open(cfg, TINY);
            try (ClipModel model = ClipModel.create(TINY, 5)) {
                model.setTraining(false);
                hook.evaluate(model, 7, c);
                return "no failure";
            } catch (dev.jclip.train.dist.CollectiveException e) {
                return e.getMessage();
            }
        });
        assertEquals("validation failed on 1 rank(s)", messages.get(0));
        assertTrue(messages.get(1).startsWith("validation failed on 1 rank(s); rank 1: ") && messages.get(1).contains("val-data vanished"),
                messages.get(1));
    }
}
