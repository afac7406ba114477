package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** End to end: ViT-tiny learns synthetic shapes well enough to classify unseen images zero-shot. */
class TinyClipTrainingTest {
    @TempDir
    Path tmp;

    /** Zero-shot accuracy: each held-out image gets the class whose caption embedding is most similar. */
    static double zeroShotAccuracy(ClipModel model, SyntheticBatches heldOut, int n) {
        int[][] prompts = new int[SyntheticBatches.classes()][];
        for (int c = 0; c < prompts.length; c++) prompts[c] = heldOut.tokenize(SyntheticBatches.caption(c));
        INDArray text = normalise(model.encodeText(Nd4j.createFromArray(prompts)));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        INDArray img = normalise(model.encodeImage(heldOut.images(idx)));
        INDArray predicted = img.mmul(text.transpose()).argMax(1);
        int correct = 0;
        for (int i = 0; i < n; i++) if (predicted.getInt(i) == heldOut.classOf(i)) correct++;
        return correct / (double) n;
    }

    private static INDArray normalise(INDArray x) {
        return x.divColumnVector(Transforms.sqrt(x.mul(x).sum(1), false).reshape(x.rows(), 1));
    }

    @Test
    void lossFallsWellBelowLnBatchAndZeroShotBeatsChance() throws Exception {
        ClipConfig cfg = ClipConfig.preset("ViT-tiny");
        int batch = 64;
        int steps = Integer.getInteger("jclip.tinySteps", 100);
        SyntheticBatches train = new SyntheticBatches(batch * steps, cfg.vision().imageSize(), cfg.text().contextLength(),
                cfg.text().vocabSize(), batch, 1);
        SyntheticBatches heldOut = new SyntheticBatches(512, cfg.vision().imageSize(), cfg.text().contextLength(),
                cfg.text().vocabSize(), batch, 999);
        TrainConfig tc = TestConfigs.of("model", "ViT-tiny", "batch-size", batch, "epochs", 1,
                "lr", 3e-3, "warmup", 10, "wd", 0.1, "output", tmp.resolve("run").toString(), "checkpoint-every", 0,
                "log-every", 25, "eval-every", 50, "seed", 3);
        List<Double> losses = new ArrayList<>();
        List<Double> accuracies = new ArrayList<>();
        long t0 = System.nanoTime();
        Trainer trainer = Trainer.builder().config(tc).data(train).interactive(false)
                .evalHook((m, step) -> {
                    double acc = zeroShotAccuracy(m, heldOut, 256);
                    accuracies.add(acc);
                    return Map.of("zero_shot_top1", acc);
                })
                .onStep(m -> losses.add(m.loss()))
                .build();
        Trainer.Result r = trainer.fit();
        double seconds = (System.nanoTime() - t0) / 1e9;
        trainer.model().setTraining(false);
        double acc = zeroShotAccuracy(trainer.model(), heldOut, 512);
        double lastLosses = losses.subList(losses.size() - 10, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        System.out.printf("tiny CLIP: %d steps in %.1f s, first loss %.3f, mean of last 10 %.3f (ln %d = %.3f), "
                        + "zero-shot top-1 %.3f on 512 held-out (chance %.3f), evals %s%n",
                r.steps(), seconds, losses.get(0), lastLosses, batch, Math.log(batch), acc,
                1.0 / SyntheticBatches.classes(), accuracies);
        assertTrue(lastLosses < Math.log(batch) - 1.5, "loss " + lastLosses + " not well below ln(" + batch + ")");
        assertTrue(acc > 5.0 / SyntheticBatches.classes(), "zero-shot accuracy " + acc);
        assertTrue(Files.size(tmp.resolve("run/metrics.jsonl")) > 0);
        assertTrue(Files.readString(tmp.resolve("run/metrics.jsonl")).contains("zero_shot_top1"));
        assertTrue(Files.isRegularFile(tmp.resolve("run/model.safetensors")));
    }
}
