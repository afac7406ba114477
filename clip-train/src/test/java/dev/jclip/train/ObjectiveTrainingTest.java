package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.Objective;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code objective bow} and {@code caption-lm}: a tiny run learns, its files carry the head, and the contrastive-only options are refused. */
class ObjectiveTrainingTest {
    @TempDir
    Path tmp;

    @Test
    void bagOfWordsTrainsAndItsFilesCarryTheHead() throws Exception {
        trainsAndSaves("bow", "bow_head.weight");
    }

    @Test
    void captionLanguageModelTrainsAndItsFilesCarryTheHead() throws Exception {
        trainsAndSaves("caption-lm", "caption_head.image_proj.weight");
    }

    private void trainsAndSaves(String objective, String headKey) throws Exception {
        ClipConfig model = ClipConfig.preset("ViT-tiny");
        int batch = 16, steps = 60;
        SyntheticBatches train = new SyntheticBatches(batch * steps, model.vision().imageSize(), model.text().contextLength(),
                model.text().vocabSize(), batch, 1);
        Path out = tmp.resolve(objective);
        TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "objective", objective, "batch-size", batch, "epochs", 1,
                "lr", 3e-3, "warmup", 5, "wd", 0.1, "output", out.toString(), "checkpoint-every", 0, "log-every", 20, "seed", 3);
        List<Double> losses = new ArrayList<>();
        Trainer trainer = Trainer.builder().config(cfg).data(train).interactive(false).onStep(m -> losses.add(m.loss())).build();
        trainer.fit();
        double first = losses.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = losses.subList(losses.size() - 10, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
        System.out.printf("%s ViT-tiny: %d steps of %d, mean of first 5 losses %.3f, of last 10 %.3f%n", objective, losses.size(), batch, first, last);
        assertEquals(steps, losses.size());
        assertTrue(last < 0.7 * first, objective + ": loss " + first + " -> " + last);
        try (SafeTensors.Reader r = SafeTensors.open(out.resolve("model.safetensors"))) {
            assertTrue(r.entries().containsKey(headKey), "the final model has no " + headKey);
            assertTrue(r.metadata().get("config").contains("\"objective\" : \"" + objective + "\""), r.metadata().get("config"));
        }
        try (ClipModel loaded = ClipModels.load(out.resolve("model.safetensors"))) {
            assertEquals(Objective.parse(objective), loaded.config().objective());
            assertNotNull(loaded.captionHead());
            assertEquals(trainer.model().parameters().get(headKey).value().getDouble(0, 0),
                    loaded.parameters().get(headKey).value().getDouble(0, 0), 0);
        }
    }

    @Test
    void contrastivePathOptionsAreRefusedNamingThem() {
        SyntheticBatches data = new SyntheticBatches(64, 32, 16, 1000, 8, 1);
        for (Object[] o : List.<Object[]>of(new Object[]{"accum-freq", 2, "accum-freq 2"}, new Object[]{"rank-slices", 2, "rank-slices 2"},
                new Object[]{"bn-ghost-batch", 4, "bn-ghost-batch 4"}, new Object[]{"siglip", true, "siglip"},
                new Object[]{"val-data", "val.csv", "val-data"})) {
            TrainConfig cfg = TestConfigs.of("model", "ViT-tiny", "objective", "caption-lm", "batch-size", 8, "steps", 2,
                    "output", tmp.resolve("refused").toString(), o[0], o[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder().config(cfg).data(data).build());
            assertTrue(e.getMessage().contains((String) o[2]), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder().config(TestConfigs.of("model", "ViT-tiny",
                "objective", "captions", "batch-size", 8, "steps", 2, "output", tmp.resolve("refused").toString())).data(data).build());
        assertTrue(e.getMessage().contains("unknown objective 'captions'"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("refused")));
    }
}
