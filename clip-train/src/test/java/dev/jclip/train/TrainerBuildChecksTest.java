package dev.jclip.train;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link Trainer.Builder#build()} refuses before any step runs or any file is written. */
class TrainerBuildChecksTest {
    private static final ClipConfig TINY = ClipConfig.preset("ViT-tiny");   // 32 px, context 16, 1,000 tokens

    @TempDir
    Path tmp;

    private TrainConfig config(Object... extra) {
        Object[] kv = {"model", "ViT-tiny", "batch-size", 8, "steps", 2, "lr", 1e-3, "warmup", 1,
                "output", tmp.resolve("run").toString()};
        Object[] all = new Object[kv.length + extra.length];
        System.arraycopy(kv, 0, all, 0, kv.length);
        System.arraycopy(extra, 0, all, kv.length, extra.length);
        return TestConfigs.of(all);
    }

    private static SyntheticBatches data(int imageSize, int context, int vocab, int batch) {
        return new SyntheticBatches(32, imageSize, context, vocab, batch, 1);
    }

    @Test
    void aMisspeltOptionIsRefusedNamingItAndTheNearestValidOne() {
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(TrainConfig.defaults().with(Map.of("model", "ViT-tiny", "bach-size", 8), "api")).data(data(32, 16, 1000, 8)).build());
        assertTrue(e.getMessage().contains("unknown training option 'bach-size' (did you mean 'batch-size'?)"), e.getMessage());
        assertTrue(e.getMessage().contains("valid options: ["), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void anExplicitOptionThePathDoesNotUseIsRefusedNamingIt() throws Exception {
        // the data is passed in: train-data and vocab would be silently ignored
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(config("train-data", "shards/{0..3}.tar", "vocab", "v.txt")).data(data(32, 16, 1000, 8)).build());
        assertTrue(e.getMessage().contains("train-data (the BatchSource passed to data() is used instead)"), e.getMessage());
        assertTrue(e.getMessage().contains("vocab (the BatchSource"), e.getMessage());
        // zero-shot options without a hook that reads them
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(config("eval-every", 1, "zeroshot-dataset", "imgs/")).data(data(32, 16, 1000, 8)).build());
        assertTrue(e.getMessage().contains("eval-every (no evaluation hook is set)"), e.getMessage());
        assertTrue(e.getMessage().contains("zeroshot-dataset (no evaluation hook reads it)"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(config("eval-every", 1, "zeroshot-dataset", "imgs/")).data(data(32, 16, 1000, 8))
                .evalHook((model, step) -> Map.of()).build());
        assertTrue(e.getMessage().contains("zeroshot-dataset (no evaluation hook reads it; the hooks read [])"), e.getMessage());
        EvalHook zeroShot = new EvalHook() {
            @Override
            public Map<String, Double> evaluate(dev.jclip.core.model.ClipModel model, long step) {
                return Map.of();
            }

            @Override
            public Set<String> options() {
                return Set.of("zeroshot-dataset");
            }
        };
        Trainer.builder().config(config("eval-every", 1, "zeroshot-dataset", "imgs/")).data(data(32, 16, 1000, 8))
                .evalHook(zeroShot).build();
        assertFalse(Files.exists(tmp.resolve("run")));
    }

    @Test
    void defaultsAndValuesRestoredFromASavedRunAreNotRefused() throws Exception {
        TrainConfig saved = TrainConfig.restore(config("train-data", "shards/{0..3}.tar", "vocab", "v.txt", "workers", 3).toJson(), "config.json");
        assertEquals(Set.of(), saved.explicitOptions());
        Trainer t = Trainer.builder().config(saved).data(data(32, 16, 1000, 8)).build();
        assertEquals(2, t.totalSteps());
    }

    @Test
    void dataThatDoesNotFitTheModelIsRefusedNamingEachMismatch() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder().config(config())
                .data(data(64, 77, 49408, 16)).build());
        String m = e.getMessage();
        assertTrue(m.startsWith("the training data does not fit the model"), m);
        assertTrue(m.contains("batches of 16 pairs but batch-size is 8"), m);
        assertTrue(m.contains("images are 64 pixels square but model 'ViT-tiny' takes 32"), m);
        assertTrue(m.contains("captions are 77 tokens long but model 'ViT-tiny' has a context length of 16"), m);
        assertTrue(m.contains("token ids go up to 49407 but model 'ViT-tiny' embeds only 1000 tokens"), m);
        // each alone is enough
        assertThrows(ConfigException.class, () -> Trainer.builder().config(config()).data(data(32, 12, 1000, 8)).build());
        assertThrows(ConfigException.class, () -> Trainer.builder().config(config()).data(data(32, 16, 1001, 8)).build());
        // a smaller vocabulary than the embedding is fine (a small trained BPE)
        Trainer.builder().config(config()).data(data(32, 16, 600, 8)).build();
        assertFalse(Files.exists(tmp.resolve("run")), "nothing is written before fit()");
    }

    /**
     * The SigLIP loss has no per-rank form (FeatureCachedStep and RankSlicedStep would throw at the first step):
     * over ranks or rank slices it is refused at build, whether it comes from siglip or from a model JSON with
     * init_logit_bias; in one process, and the softmax loss over rank slices, it builds.
     */
    @Test
    void theSigmoidLossOverRanksOrRankSlicesIsRefusedNamingTheOptions() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(config("siglip", true, "rank-slices", 2)).data(data(32, 16, 1000, 8)).build());
        assertEquals("siglip: the sigmoid loss is not split over ranks yet, so rank-slices 2 cannot compute it per rank"
                + " slice; leave rank-slices out", e.getMessage());
        Path json = tmp.resolve("siglip-tiny.json");
        Files.writeString(json, TINY.withSiglip().toJson());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(config("model", json.toString(), "rank-slices", 4)).data(data(32, 16, 1000, 8)).build());
        assertTrue(e.getMessage().startsWith("model '" + json + "' has init_logit_bias (SigLIP's sigmoid loss): the sigmoid"
                + " loss is not split over ranks yet, so rank-slices 4"), e.getMessage());
        // on 2 ranks: every rank refuses, naming the model
        java.util.List<String> messages = dev.jclip.train.dist.DistributedRuns.onRanks(2, c -> {
            try {
                Trainer.builder().config(config("model", json.toString())).data(data(32, 16, 1000, 4)).collective(c).build();
                return "built";
            } catch (ConfigException refused) {
                return refused.getMessage();
            }
        });
        for (String m : messages) {
            assertTrue(m.contains("model '" + json + "' has init_logit_bias (SigLIP's sigmoid loss): the sigmoid loss is not"
                    + " split over ranks yet, so it cannot train on 2 ranks; train it in one process"), m);
        }
        // what works is not refused
        Trainer.builder().config(config("model", json.toString())).data(data(32, 16, 1000, 8)).build();
        Trainer.builder().config(config("siglip", true)).data(data(32, 16, 1000, 8)).build();
        Trainer.builder().config(config("rank-slices", 2)).data(data(32, 16, 1000, 8)).build();
        assertFalse(Files.exists(tmp.resolve("run")), "nothing is written before fit()");
    }
}
