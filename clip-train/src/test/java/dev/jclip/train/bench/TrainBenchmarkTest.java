package dev.jclip.train.bench;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.Objective;
import dev.jclip.core.model.ConcurrentTowers;
import dev.jclip.core.nn.CpuKernels;
import dev.jclip.core.nn.Precision;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code clip bench train}'s per-tower figures, with the towers at once and one after the other. */
class TrainBenchmarkTest {
    @AfterEach
    void processThreadCount() {
        CpuKernels.setThreads(0);
    }

    @Test
    void reportsEachTowerAndWhetherTheyRanAtOnce() {
        CpuKernels.setThreads(2);
        ClipConfig cfg = ClipConfig.preset("ViT-tiny");
        Map<String, Object> apart = TrainBenchmark.run(cfg, 8, 2, 1, 0, 3, false, ConcurrentTowers.OFF, Precision.FLOAT32);
        Map<String, Object> together = TrainBenchmark.run(cfg, 8, 2, 1, 0, 3, false, ConcurrentTowers.ON, Precision.FLOAT32);
        assertEquals(false, apart.get("concurrent_towers"));
        assertEquals(true, together.get("concurrent_towers"));
        assertEquals(apart.get("final_loss"), together.get("final_loss"), "the same bits either way");
        for (Map<String, Object> r : new Map[]{apart, together}) {
            assertTrue((double) r.get("image_tower_median_ms") > 0 && (double) r.get("text_tower_median_ms") > 0, r.toString());
            assertTrue((double) r.get("activation_peak_mb") > 0, "both threads' activations counted: " + r);
        }
    }

    @Test
    void timesACaptionPredictingObjective() {
        // one tower and a head: no per-tower timing, but the step runs (it failed in the loss before: no text features)
        Map<String, Object> r = TrainBenchmark.run(ClipConfig.preset("ViT-tiny").withObjective(Objective.BOW), 8, 2, 1, 0, 3,
                false, ConcurrentTowers.AUTO, Precision.FLOAT32);
        assertTrue(Double.isFinite((double) r.get("final_loss")), r.toString());
        assertFalse((boolean) r.get("concurrent_towers"));
    }
}
