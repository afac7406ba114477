package dev.jclip.train.data;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.train.TinyShards;
import dev.jclip.train.TestConfigs;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image pipeline's settings (alpha background included) are recorded in config.json, every checkpoint and
 * the final model, and a resumed run that does not set them takes them from its checkpoint.
 */
class PreprocessRecordingTest {
    @TempDir
    static Path tmp;
    static final TinyShards DATA = TinyShards.shared();
    static final String shards = DATA.shards() + "/shard-{00000..00001}.tar";   // 32 pairs
    static final ClipTokenizer tokenizer = ClipTokenizer.load(DATA.vocab());
    static final ClipConfig MODEL = ClipConfig.load("ViT-tiny");

    private static TrainConfig config(Path out, long steps, Object... more) {
        Object[] kv = {"model", "ViT-tiny", "batch-size", 8, "steps", steps, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "checkpoint-every", 2, "seed", 3};
        Object[] all = new Object[kv.length + more.length];
        System.arraycopy(kv, 0, all, 0, kv.length);
        System.arraycopy(more, 0, all, kv.length, more.length);
        return TestConfigs.of(all);
    }

    private static void fit(TrainConfig cfg) throws Exception {
        LoaderConfig loader = TrainingData.loaderConfig(cfg, MODEL, WebDatasetSource.of(shards, false));
        try (LoaderBatchSource data = new LoaderBatchSource(WebDatasetSource.of(shards, false), tokenizer, loader)) {
            Trainer.builder().config(cfg).data(data).interactive(false).build().fit();
        }
    }

    private static String recorded(Path file) {
        return PreprocessConfig.fromMetadata(Checkpoints.readMetadata(file), 32, file.toString()).alphaBackground().toString();
    }

    @Test
    void recordedInTheRunAndReadBackOnResume() throws Exception {
        Path run = tmp.resolve("black");
        fit(config(run, 2, "alpha-background", "black"));
        assertEquals("black", recorded(run.resolve("model.safetensors")));
        assertEquals("black", recorded(run.resolve("checkpoints/step-00000002.safetensors")));
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"alpha-background\" : \"black\""));

        // resumed without --alpha-background: the checkpoint's black, not the default white
        TrainConfig resumed = config(run, 4, "resume", "latest");
        assertEquals(AlphaBackground.BLACK, TrainingData.loaderConfig(resumed, MODEL, WebDatasetSource.of(shards, false)).preprocessConfig().alphaBackground());
        fit(resumed);
        assertEquals("black", recorded(run.resolve("model.safetensors")));
        // an explicit value overrides the checkpoint's
        TrainConfig overridden = config(run, 6, "resume", "latest", "alpha-background", "0,128,255");
        assertEquals(new AlphaBackground(0, 128, 255), TrainingData.loaderConfig(overridden, MODEL, WebDatasetSource.of(shards, false)).preprocessConfig().alphaBackground());
    }

    @Test
    void aNewRunRecordsWhiteAndAContradictingLoaderIsRefused() throws Exception {
        Path run = tmp.resolve("default");
        fit(config(run, 2));
        assertEquals("white", recorded(run.resolve("model.safetensors")));
        assertTrue(Files.readString(run.resolve("config.json")).contains("\"alpha-background\" : \"white\""));

        TrainConfig cfg = config(tmp.resolve("mismatch"), 2, "alpha-background", "white");
        LoaderConfig black = LoaderConfig.builder(8).imageSize(32).contextLength(MODEL.text().contextLength())
                .alphaBackground(AlphaBackground.BLACK).build();
        try (LoaderBatchSource data = new LoaderBatchSource(WebDatasetSource.of(shards, false), tokenizer, black)) {
            ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder().config(cfg).data(data).build());
            assertTrue(e.getMessage().contains("alpha-background is white") && e.getMessage().contains("black"), e.getMessage());
        }
        ConfigException bad = assertThrows(ConfigException.class, () -> config(tmp.resolve("x"), 2, "alpha-background", "grey").validate());
        assertTrue(bad.getMessage().contains("alpha-background"), bad.getMessage());
    }
}
