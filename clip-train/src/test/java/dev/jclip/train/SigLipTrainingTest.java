package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code siglip}: a tiny run learns with the sigmoid loss, and its files carry the bias under open_clip's name. */
class SigLipTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void twoHundredStepsOfTinySiglipLearnTheShapesAndCheckpointsCarryLogitBias() throws Exception {
        ClipConfig model = ClipConfig.preset("ViT-tiny");
        int batch = 16, steps = 200;
        SyntheticBatches train = new SyntheticBatches(batch * steps, model.vision().imageSize(), model.text().contextLength(),
                model.text().vocabSize(), batch, 1);
        SyntheticBatches heldOut = new SyntheticBatches(256, model.vision().imageSize(), model.text().contextLength(),
                model.text().vocabSize(), batch, 999);
        Path out = tmp.resolve("run");
        // accum-freq 2: the loss over the whole batch through feature-cached accumulation
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "siglip", true, "batch-size", batch, "accum-freq", 2,
                "epochs", 1, "lr", 3e-3, "warmup", 10, "wd", 0.1, "output", out.toString(), "checkpoint-every", 100,
                "log-every", 50, "seed", 3);
        List<Double> losses = new ArrayList<>();
        Trainer trainer = Trainer.builder().config(cfg).data(train).interactive(false).onStep(m -> losses.add(m.loss())).build();
        trainer.fit();
        ClipModel m = trainer.model();
        assertTrue(m.config().isSiglip());
        // the best a model can do without telling pairs apart (the same logit for every pair, sigmoid = 1/B):
        // B H(1/B) per image. The run reaches it within ~20 steps (the cosines rise to meet the bias), then goes below.
        double biasOnly = -Math.log(1.0 / batch) - (batch - 1) * Math.log(1 - 1.0 / batch);
        double first = losses.get(0);
        double last = losses.subList(losses.size() - 20, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        m.setTraining(false);
        double acc = TinyClipTrainingTest.zeroShotAccuracy(m, heldOut, 256);
        System.out.printf("SigLIP ViT-tiny: %d steps of %d, first loss %.3f, mean of last 20 %.3f (bias alone at best %.3f),"
                        + " logit_scale %.3f, logit_bias %.3f, zero-shot top-1 %.3f (chance %.3f)%n", losses.size(), batch, first, last,
                biasOnly, m.logitScale().value().getDouble(0), m.logitBias().value().getDouble(0), acc, 1.0 / SyntheticBatches.classes());
        assertEquals(steps, losses.size());
        assertTrue(first > 8, "SigLIP starts at about -log sigmoid(10 cos - 10) per positive: " + first);
        assertTrue(last < 0.75 * biasOnly, "loss " + last + " not well below what the bias alone reaches, " + biasOnly);
        assertTrue(acc > 3.0 / SyntheticBatches.classes(), "zero-shot top-1 " + acc);
        assertNotEquals(-10.0, m.logitBias().value().getDouble(0), "logit_bias is trained");

        // every checkpoint and the final model carry logit_bias, and the model config that recreates it
        List<Path> files = new ArrayList<>(new CheckpointManager(out.resolve("checkpoints"), 0, new SafeTensorsFile()).list());
        files.add(out.resolve("model.safetensors"));
        assertEquals(3, files.size());
        for (Path f : files) {
            try (SafeTensors.Reader r = SafeTensors.open(f)) {
                assertTrue(r.entries().containsKey("logit_bias"), f + " has no logit_bias");
                assertTrue(r.metadata().get("config").contains("init_logit_bias"), f + " config");
            }
        }
        try (ClipModel loaded = ClipModels.load(out.resolve("model.safetensors"))) {
            assertEquals(m.logitBias().value().getDouble(0), loaded.logitBias().value().getDouble(0), 0);
        }
    }
}
