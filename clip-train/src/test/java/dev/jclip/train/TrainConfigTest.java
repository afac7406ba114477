package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @TempDir
    Path tmp;

    @Test
    void fileOverridesDefaultsWithCommandLineNamesAndCountsAsExplicit() throws Exception {
        Path f = tmp.resolve("run.json");
        Files.writeString(f, "{\"model\": \"ViT-tiny\", \"batch-size\": 64, \"accum-freq\": 4, \"lr\": 1e-3,"
                + " \"lock-text\": true, \"beta2\": 0.99}");
        TrainConfig c = TrainConfig.load(f);
        assertEquals("ViT-tiny", c.model().name());
        assertEquals(64, c.data().batchSize());
        assertEquals(4, c.optimisation().accumFreq());
        assertEquals(16, c.microBatchSize());
        assertEquals(1e-3, c.optimisation().lr());
        assertTrue(c.model().lockText());
        assertEquals(0.99, c.optimisation().beta2());
        assertNull(c.optimisation().beta1());
        assertEquals(10_000, c.schedule().warmup());          // default kept
        assertEquals("cosine", c.schedule().lrScheduler());
        assertEquals(Set.of("model", "batch-size", "accum-freq", "lr", "lock-text", "beta2"), c.explicitOptions());
        // the JSON form round-trips, carries the schema version, and a restored copy has nothing explicit
        assertEquals(TrainConfig.SCHEMA_VERSION, new ObjectMapper().readTree(c.toJson()).get("schema-version").asInt());
        TrainConfig restored = TrainConfig.restore(c.toJson(), "round trip");
        assertEquals(c, restored);
        assertEquals(Set.of(), restored.explicitOptions());
    }

    @Test
    void theTypedBuilderAndTheStringKeyedEntryAgree() {
        TrainConfig typed = TrainConfig.builder().model("ViT-tiny").batchSize(32).steps(4).lr(1e-3).warmup(1)
                .lockImage(true).beta2(0.99).output("run").build();
        TrainConfig keyed = TrainConfig.defaults().with(Map.of("model", "ViT-tiny", "batch-size", "32", "steps", 4,
                "lr", "1e-3", "warmup", 1L, "lock-image", "true", "beta2", 0.99, "output", "run"), "test");
        assertEquals(typed, keyed);
        assertEquals(typed.explicitOptions(), keyed.explicitOptions());
        assertEquals(32, keyed.get("batch-size"));
        assertEquals(TrainOption.names().size(), new ObjectMapper().convertValue(
                readTree(typed.toJson()), Map.class).size() - 1);
    }

    @Test
    void everyOptionBelongsToOneConcernAndHasADescription() {
        int total = 0;
        for (TrainOption.Concern c : TrainOption.Concern.values()) {
            assertTrue(!TrainOption.of(c).isEmpty(), c + " has no options");
            total += TrainOption.of(c).size();
        }
        assertEquals(TrainOption.ALL.size(), total);
        for (TrainOption o : TrainOption.ALL) assertTrue(o.description().length() > 5, o.name());
    }

    @Test
    void differencesNameTheChangedOptions() {
        TrainConfig a = TestConfigs.of("batch-size", 64, "output", "x");
        TrainConfig b = TestConfigs.of("batch-size", 32, "output", "x", "resume", "latest");
        assertEquals(List.of("batch-size: 64 -> 32", "resume: null -> latest"), b.differencesFrom(a));
        assertEquals(List.of(), a.differencesFrom(a));
    }

    @Test
    void aMisspeltOptionIsRefusedWithTheNearestNameAndTheValidOnes() throws Exception {
        Path f = tmp.resolve("bad.json");
        Files.writeString(f, "{\"bach-size\": 64}");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.load(f));
        assertTrue(e.getMessage().contains("bad.json: unknown training option 'bach-size' (did you mean 'batch-size'?)"), e.getMessage());
        assertTrue(e.getMessage().contains("valid options: [model, precision,"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.defaults().with(Map.of("lr-schedular", "const"), "api"));
        assertTrue(e.getMessage().contains("api: unknown training option 'lr-schedular' (did you mean 'lr-scheduler'?)"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.restore("{\"bach-size\": 64}", "runs/x/config.json"));
        assertTrue(e.getMessage().contains("runs/x/config.json: unknown training option 'bach-size'"), "a run's config.json too: " + e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.builder().set("xyzzy-quux", 1, "api"));
        assertTrue(e.getMessage().contains("'xyzzy-quux'; valid options"), "nothing near: no suggestion: " + e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.parse("{\"batch-size\": \"many\"}", "x.json"));
        assertTrue(e.getMessage().contains("x.json: bad value for 'batch-size': expected an integer, got 'many'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.parse("{\"steps\": 2.5}", "x.json"));
        assertTrue(e.getMessage().contains("'steps'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.parse("{\"lr\": null}", "x.json"));
        assertTrue(e.getMessage().contains("'lr'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.load(tmp.resolve("missing.json")));
        assertTrue(e.getMessage().contains("missing.json"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> TrainConfig.restore("{\"schema-version\": 99}", "future.json"));
        assertTrue(e.getMessage().contains("future.json") && e.getMessage().contains("schema-version 99"), e.getMessage());
    }

    /** What main wrote before the schema version existed (commit e2a42bb): a run's config.json and a checkpoint's metadata. */
    @Test
    void configsWrittenByTheEarlierMainStillLoad() throws Exception {
        TrainConfig run = TrainConfig.restore(resource("config.json"), "legacy config.json");
        assertEquals("ViT-tiny", run.model().name());
        assertEquals(8, run.data().batchSize());
        assertEquals(2, run.optimisation().accumFreq());
        assertEquals(0.99, run.optimisation().beta2());
        assertTrue(run.model().lockText());
        assertEquals(5, run.runtime().seed());
        assertEquals(Set.of(), run.explicitOptions());
        JsonNode meta = readTree(resource("checkpoint-metadata.json"));
        assertEquals("jclip-train-checkpoint-1", meta.get("jclip.format").asText());
        assertEquals(run, TrainConfig.restore(meta.get("jclip.train_config").asText(), "legacy checkpoint"));
    }

    @Test
    void validationReportsEveryProblem() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("batch-size", 100, "accum-freq", 3, "lr", -1,
                "output", "runs/x", "zeroshot-dataset", "imgs/", "concurrent-towers", "sometimes"), "test");
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertTrue(e.getMessage().contains("not divisible by accum-freq 3"), e.getMessage());
        assertTrue(e.getMessage().contains("concurrent-towers must be auto, on or off, got 'sometimes'"), e.getMessage());
        assertTrue(e.getMessage().contains("lr must be positive"), e.getMessage());
        assertTrue(e.getMessage().contains("zeroshot-dataset needs eval-every"), e.getMessage());
        TrainConfig ok = TrainConfig.defaults().with(Map.of("batch-size", 64, "accum-freq", 4, "output", "runs/x"), "test");
        assertEquals(ok, ok.validate());
        e = assertThrows(ConfigException.class, TrainConfig.defaults()::validate);
        assertTrue(e.getMessage().contains("output"), e.getMessage());
    }

    private static JsonNode readTree(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String resource(String name) throws Exception {
        try (InputStream in = TrainConfigTest.class.getResourceAsStream("/legacy-main/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
