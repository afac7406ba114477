package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.train.bench.TrainBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code grad-checkpointing} through the trainer and the benchmark: same weights, fewer bytes kept for backward. */
class GradCheckpointingTrainingTest {
    @TempDir
    Path tmp;

    private float[] train(boolean checkpointing) throws Exception {
        ClipConfig tiny = ClipConfig.preset("ViT-tiny");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "grad-checkpointing", checkpointing, "force-patch-dropout", 0.5,
                "batch-size", 8, "accum-freq", 2, "steps", 3, "lr", 1e-3, "warmup", 1, "output", tmp.resolve("run-" + checkpointing).toString());
        Trainer t = Trainer.builder().config(cfg)
                .data(new SyntheticBatches(64, 32, tiny.text().contextLength(), tiny.text().vocabSize(), 8, 1))
                .interactive(false).build();
        t.fit();
        return t.model().parameters().flatValues().data().asFloat();
    }

    @Test
    void aRunWithCheckpointingEndsWithTheSameWeightsBitForBit() throws Exception {
        assertArrayEquals(train(false), train(true), 0f);
    }

    @Test
    void theBenchmarkCountsFewerBytesKeptForBackward() {
        for (String workspace : new String[]{"always", "never"}) {   // the step arena, and the freeing scope of large models
            System.setProperty("jclip.workspace", workspace);
            try {
                ClipConfig cfg = ClipConfig.preset("ViT-tiny");
                Map<String, Object> plain = TrainBenchmark.run(cfg, 16, 2, 1, 0, 3, false);
                Map<String, Object> ckpt = TrainBenchmark.run(cfg, 16, 2, 1, 0, 3, true);
                double a = (Double) plain.get("activation_peak_mb"), b = (Double) ckpt.get("activation_peak_mb");
                System.out.printf("ViT-tiny batch 16, workspace %s: activation_peak_mb %.2f plain, %.2f checkpointed%n", workspace, a, b);
                assertTrue(b > 0 && b < 0.6 * a, workspace + ": " + a + " plain, " + b + " checkpointed");
                assertEquals(true, ckpt.get("grad_checkpointing"));
                assertEquals(plain.get("final_loss"), ckpt.get("final_loss"));
            } finally {
                System.clearProperty("jclip.workspace");
            }
        }
    }
}
