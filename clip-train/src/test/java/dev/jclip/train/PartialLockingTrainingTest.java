package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.LockGroups;
import dev.jclip.core.nn.Parameter;
import dev.jclip.train.checkpoint.Checkpoint;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Partial locking through the trainer: locked weights keep their bits, have no gradient and no AdamW state. */
class PartialLockingTrainingTest {
    @TempDir
    Path tmp;

    private static SyntheticBatches shapes(ClipConfig m, int pairs, int batch) {
        return new SyntheticBatches(pairs, m.vision().imageSize(), m.text().contextLength(), m.text().vocabSize(), batch, 7);
    }

    private static Map<String, float[]> snapshot(ClipModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : m.parameters().stateDict().entrySet()) out.put(e.getKey(), e.getValue().dup().data().asFloat());
        return out;
    }

    @Test
    void lockedGroupsDoNotMoveHaveNoGradientsAndNoOptimiserState() throws Exception {
        ClipConfig tiny = ClipConfig.preset("ViT-tiny");   // 2 blocks a tower: 4 groups each
        Path out = tmp.resolve("run");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "steps", 3, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "lock-image", true, "lock-image-unlocked-groups", 2,
                "lock-text", true, "lock-text-unlocked-layers", 1, "lock-text-freeze-layer-norm", true);
        ClipModel model = ClipModel.create(tiny, 0);
        Map<String, float[]> before = snapshot(model);
        Trainer trainer = Trainer.builder().config(cfg).model(model).data(shapes(tiny, 64, 8)).interactive(false).build();
        long trainable = 0;
        for (Parameter p : model.parameters()) {
            // the last two image groups ({last block, ln_post}, {proj}) and the text projection, and logit_scale
            boolean expect = p.name().startsWith("logit_") || p.name().equals("text_projection")
                    || (ClipModel.isImageParameter(p.name()) && LockGroups.imageGroup(p.name(), 2) >= 2);
            assertEquals(expect, p.trainable(), p.name());
            assertEquals(expect, p.hasGrad(), p.name() + ": a locked parameter keeps no gradient buffer");
            if (expect) trainable += p.size();
        }
        assertEquals(trainable, model.parameters().flatGrads().length(), "the gradient buffer holds the trainable parameters only");
        trainer.fit();
        Map<String, float[]> after = snapshot(model);
        for (Parameter p : model.parameters()) {
            boolean moved = !Arrays.equals(before.get(p.name()), after.get(p.name()));
            assertEquals(p.trainable(), moved, p.name() + (p.trainable() ? " did not move" : " moved while locked"));
        }
        Checkpoint c = CheckpointManager.load(new CheckpointManager(out.resolve("checkpoints"), 0, new SafeTensorsFile()).latest().orElseThrow(),
                new SafeTensorsFile());
        long state = 0;
        for (Map.Entry<String, INDArray> e : c.optimizer().entrySet()) {
            String name = e.getKey().substring(e.getKey().indexOf('.') + 1);
            assertTrue(model.parameters().get(name).trainable(), "optimiser state for locked " + name);
            state += e.getValue().length();
        }
        assertEquals(2 * trainable, state, "AdamW keeps two moments of every trainable scalar and nothing else");
        // resuming lays the store out the same way and continues
        TrainConfig more = cfg.with(Map.of("steps", 4, "resume", "latest"), "test");
        Trainer.builder().config(more).data(shapes(tiny, 64, 8)).interactive(false).build().fit();
    }

    @Test
    void freezeBnStatsKeepsAResNetTowersRunningStatisticsAndBadCombinationsAreRefused() throws Exception {
        ClipConfig rn = ClipConfig.preset("RN-tiny");
        Map<String, float[]> stats = new LinkedHashMap<>();
        for (boolean freeze : new boolean[]{true, false}) {
            ClipModel model = ClipModel.create(rn, 0);
            float[] mean0 = model.parameters().buffers().get("visual.bn1.running_mean").dup().data().asFloat();
            Map<String, Object> o = new LinkedHashMap<>(Map.of("model", "RN-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3,
                    "warmup", 1, "output", tmp.resolve("rn-" + freeze).toString(), "lock-image", true));
            if (freeze) o.put("lock-image-freeze-bn-stats", true);
            Trainer.builder().config(TrainConfig.defaults().with(o, "test")).model(model).data(shapes(rn, 64, 8))
                    .interactive(false).build().fit();
            float[] mean1 = model.parameters().buffers().get("visual.bn1.running_mean").data().asFloat();
            assertEquals(freeze, Arrays.equals(mean0, mean1), "running mean with freeze-bn-stats " + freeze);
            stats.put("" + freeze, mean1);
        }
        assertFalse(Arrays.equals(stats.get("true"), stats.get("false")));

        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "RN-tiny", "batch-size", 8, "steps", 1, "warmup", 0, "output", tmp.resolve("x").toString(),
                        "lock-image", true, "lock-image-unlocked-groups", 1))
                .data(shapes(rn, 64, 8)).build());
        assertTrue(e.getMessage().contains("ResNet"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TestConfigs.of("lock-text-unlocked-layers", 2, "output", "x").validate());
        assertTrue(e.getMessage().contains("need lock-text"), e.getMessage());
    }
}
