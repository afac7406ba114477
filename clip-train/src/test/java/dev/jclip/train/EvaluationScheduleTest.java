package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.model.ClipModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eval-every (steps) and the hooks' epoch frequencies (val-frequency, zeroshot-frequency): one schedule. */
class EvaluationScheduleTest {
    private static final ClipConfig TINY = ClipConfig.preset("ViT-tiny");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A hook that records when it ran and reports the step as its metric. */
    private record Recording(String metric, String frequency, List<Long> steps) implements EvalHook {
        Recording(String metric, String frequency) {
            this(metric, frequency, new ArrayList<>());
        }

        @Override
        public Map<String, Double> evaluate(ClipModel model, long step) {
            assertFalse(model.isTraining(), "evaluated in evaluation mode");
            steps.add(step);
            return Map.of(metric, (double) step);
        }

        @Override
        public Set<String> options() {
            return frequency == null ? Set.of() : Set.of(frequency, frequency.equals("val-frequency") ? "val-data" : "zeroshot-dataset");
        }

        @Override
        public String epochFrequencyOption() {
            return frequency;
        }
    }

    private static SyntheticBatches shapes(int pairs) {
        return new SyntheticBatches(pairs, TINY.vision().imageSize(), TINY.text().contextLength(), TINY.text().vocabSize(), 8, 7);
    }

    /** The step of every metrics line that carries {@code key}. */
    private static List<Long> stepsWith(Path run, String key) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has(key)) {
                out.add(n.get("step").asLong());
                assertEquals(n.get("step").asDouble(), n.get(key).asDouble(), "the value reported at that step");
            }
        }
        return out;
    }

    @Test
    void eachHookRunsOnEvalEveryAndOnItsOwnEpochFrequencyAndAtTheEnd() throws Exception {
        // 16 pairs of 8: 2 steps an epoch, 5 epochs = 10 steps
        Path run = tmp.resolve("run");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "epochs", 5, "lr", 1e-3, "warmup", 1,
                "output", run.toString(), "checkpoint-every", 0, "val-data", "unused-by-the-fake", "val-frequency", 2,
                "zeroshot-dataset", "unused-by-the-fake", "zeroshot-frequency", 3, "eval-every", 4);
        Recording val = new Recording("val_x", "val-frequency");
        Recording zeroShot = new Recording("zs_x", "zeroshot-frequency");
        Trainer.builder().config(cfg).data(shapes(16)).interactive(false).evalHook(val).evalHook(zeroShot).build().fit();
        // val: eval-every 4 (steps 4, 8), every 2nd epoch (ends at steps 4, 8), the last step (10)
        assertEquals(List.of(4L, 8L, 10L), val.steps());
        // zero-shot: eval-every 4 (4, 8), every 3rd epoch (ends at step 6), the last step
        assertEquals(List.of(4L, 6L, 8L, 10L), zeroShot.steps());
        assertEquals(val.steps(), stepsWith(run, "val_x"));
        assertEquals(zeroShot.steps(), stepsWith(run, "zs_x"));
    }

    @Test
    void epochFrequencyAloneAndItsErrors() throws Exception {
        Path run = tmp.resolve("epochs");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "batch-size", 8, "epochs", 3, "train-num-samples", 24,
                "lr", 1e-3, "warmup", 1, "output", run.toString(), "checkpoint-every", 0, "val-data", "x", "val-frequency", 1);
        Recording val = new Recording("val_x", "val-frequency");
        Trainer.builder().config(cfg).data(shapes(64)).interactive(false).evalHook(val).build().fit();
        assertEquals(List.of(3L, 6L, 9L), val.steps(), "every epoch of train-num-samples 24 / 8 = 3 steps");
        assertEquals(val.steps(), stepsWith(run, "val_x"));

        ConfigException noSchedule = assertThrows(ConfigException.class, () -> TestConfigs.of("val-data", "x", "output", "o").validate());
        assertTrue(noSchedule.getMessage().contains("val-data needs eval-every N (every N steps) or val-frequency N"), noSchedule.getMessage());
        ConfigException noData = assertThrows(ConfigException.class, () -> TestConfigs.of("zeroshot-frequency", 1, "output", "o").validate());
        assertTrue(noData.getMessage().contains("zeroshot-frequency needs zeroshot-dataset"), noData.getMessage());
        ConfigException unused = assertThrows(ConfigException.class, () -> Trainer.builder().config(cfg.with(Map.of("output", tmp.resolve("u").toString()), "t"))
                .data(shapes(64)).build());
        assertTrue(unused.getMessage().contains("val-data (no evaluation hook reads it"), unused.getMessage());
    }
}
