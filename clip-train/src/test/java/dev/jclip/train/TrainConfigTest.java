package dev.jclip.train;

import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @TempDir
    Path tmp;

    @Test
    void fileOverridesDefaultsWithCommandLineNames() throws Exception {
        Path f = tmp.resolve("run.json");
        Files.writeString(f, "{\"model\": \"ViT-tiny\", \"batch-size\": 64, \"accum-freq\": 4, \"lr\": 1e-3,"
                + " \"lock-text\": true, \"beta2\": 0.99}");
        TrainConfig c = TrainConfig.load(f);
        assertEquals("ViT-tiny", c.model());
        assertEquals(64, c.batchSize());
        assertEquals(4, c.accumFreq());
        assertEquals(16, c.microBatchSize());
        assertEquals(1e-3, c.lr());
        assertTrue(c.lockText());
        assertEquals(0.99, c.beta2());
        assertNull(c.beta1());
        assertEquals(10_000, c.warmup());          // default kept
        assertEquals("cosine", c.lrScheduler());
        // and the JSON form round-trips
        assertEquals(c, TrainConfig.parse(c.toJson(), "round trip"));
    }

    @Test
    void optionTypesUseTheJsonNames() {
        assertEquals(TrainConfig.names(), List.copyOf(TrainConfig.optionTypes().keySet()));
        assertEquals(int.class, TrainConfig.optionTypes().get("batch-size"));
        assertEquals(Double.class, TrainConfig.optionTypes().get("beta2"));
        assertEquals(boolean.class, TrainConfig.optionTypes().get("lock-image"));
    }

    @Test
    void differencesNameTheChangedOptions() {
        TrainConfig a = TestConfigs.of("batch-size", 64, "output", "x");
        TrainConfig b = TestConfigs.of("batch-size", 32, "output", "x", "resume", "latest");
        assertEquals(List.of("batch-size: 64 -> 32", "resume: null -> \"latest\""), b.differencesFrom(a));
        assertEquals(List.of(), a.differencesFrom(a));
    }

    @Test
    void unknownKeysAndBadValuesNameTheKeyAndFile() throws Exception {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, "{\"bach-size\": 64}");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.load(f));
        assertTrue(e.getMessage().contains("bach-size") && e.getMessage().contains("bad.json"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.parse("{\"batch-size\": \"many\"}", "x.json"));
        assertTrue(e.getMessage().contains("batch-size") && e.getMessage().contains("x.json"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.load(tmp.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
    }

    @Test
    void validationReportsEveryProblem() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("batch-size", 100, "accum-freq", 3, "lr", -1,
                "output", "runs/x"), "test");
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertTrue(e.getMessage().contains("not divisible by accum-freq 3"), e.getMessage());
        assertTrue(e.getMessage().contains("lr must be positive"), e.getMessage());
        TrainConfig ok = TrainConfig.defaults().with(Map.of("batch-size", 64, "accum-freq", 4, "output", "runs/x"), "test");
        assertEquals(ok, ok.validate());
        e = assertThrows(ConfigException.class, TrainConfig.defaults()::validate);
        assertTrue(e.getMessage().contains("output"), e.getMessage());
    }
}
