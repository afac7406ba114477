package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.train.bench.TrainBenchmark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code force-patch-dropout} reaches the model the trainer builds, its files and the benchmark. */
class PatchDropoutTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void forcePatchDropoutSetsTheTrainedModelsPatchDropout() throws Exception {
        ClipConfig tiny = ClipConfig.preset("ViT-tiny");
        Path out = tmp.resolve("run");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "force-patch-dropout", 0.5, "batch-size", 8, "steps", 2,
                "lr", 1e-3, "warmup", 1, "output", out.toString());
        Trainer t = Trainer.builder().config(cfg)
                .data(new SyntheticBatches(64, 32, tiny.text().contextLength(), tiny.text().vocabSize(), 8, 1))
                .interactive(false).build();
        assertEquals(0.5, t.model().config().vision().patchDropout());
        t.fit();
        try (SafeTensors.Reader r = SafeTensors.open(out.resolve("model.safetensors"))) {
            assertTrue(r.metadata().get("config").contains("\"patch_dropout\" : 0.5"), r.metadata().get("config"));
        }
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TestConfigs.of("model", "RN-tiny", "force-patch-dropout", 0.5, "batch-size", 8, "steps", 2,
                        "warmup", 0, "output", tmp.resolve("rn").toString()))
                .data(new SyntheticBatches(64, 64, tiny.text().contextLength(), tiny.text().vocabSize(), 8, 1)).build());
        assertTrue(e.getMessage().contains("force-patch-dropout"), e.getMessage());
    }

    @Test
    void theBenchmarkReportsTheDropoutAndEachTowersTime() {
        Map<String, Object> r = TrainBenchmark.run(ClipConfig.preset("ViT-tiny").withPatchDropout(0.5), 8, 2, 1, 3);
        assertEquals(0.5, r.get("patch_dropout"));
        assertTrue((Double) r.get("image_tower_median_ms") > 0 && (Double) r.get("text_tower_median_ms") > 0, r.toString());
    }
}
