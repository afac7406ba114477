package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code precision} option's values, and bf16 where no bf16 kernel is on the class path (this module's tests run
 * on Java 17 without clip-onednn): refused before any step, saying what is missing. bf16 training itself is tested in
 * clip-onednn.
 */
class PrecisionOptionTest {
    @TempDir
    Path tmp;

    @Test
    void validationNamesEveryPrecision() {
        TrainConfig c = TestConfigs.of("model", "ViT-tiny", "precision", "fp16", "output", tmp.toString());
        ConfigException e = assertThrows(ConfigException.class, c::validate);
        assertTrue(e.getMessage().contains("precision must be float32, float64 or bf16, got 'fp16'"), e.getMessage());
        TestConfigs.of("model", "ViT-tiny", "precision", "bf16", "output", tmp.toString()).validate();
    }

    @Test
    void bf16WithoutABf16KernelIsRefusedNamingWhatIsMissing() {
        ClipConfig tiny = ClipConfig.preset("ViT-tiny");
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "precision", "bf16", "batch-size", 4, "steps", 2, "warmup", 1,
                "output", tmp.resolve("run").toString());
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder().config(cfg)
                .data(new SyntheticBatches(8, tiny.vision().imageSize(), tiny.text().contextLength(), tiny.text().vocabSize(), 4, 1))
                .interactive(false).build());
        assertTrue(e.getMessage().contains("precision bf16 needs a bf16 matrix product") && e.getMessage().contains("clip-onednn"),
                e.getMessage());
    }
}
