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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** val-data: the loss and recalls equal naive computations, and they reach metrics.jsonl at the scheduled steps. */
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
}
