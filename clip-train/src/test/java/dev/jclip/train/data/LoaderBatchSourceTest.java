package dev.jclip.train.data;

import dev.jclip.core.config.ConfigException;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.train.TestConfigs;
import dev.jclip.train.TinyShards;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer on real WebDataset shards through clip-data's loader, resumed mid-run. */
class LoaderBatchSourceTest {
    @TempDir
    static Path tmp;
    static final TinyShards DATA = TinyShards.shared();   // 4 shards of 16

    private static LoaderBatchSource source(TrainConfig cfg) {
        LoaderConfig lc = LoaderConfig.builder(cfg.data().batchSize()).imageSize(32).contextLength(16).workers(2)
                .seed(cfg.runtime().seed()).train(true).shuffleBuffer(32).build();
        return new LoaderBatchSource(WebDatasetSource.of(DATA.shards() + "/shard-{00000..00003}.tar", false),
                ClipTokenizer.load(DATA.vocab()), lc);
    }

    private static TrainConfig config(Path out) {
        return TestConfigs.of("model", "ViT-tiny", "batch-size", 16, "steps", 6, "lr", 1e-3, "warmup", 1,
                "output", out.toString(), "checkpoint-every", 2, "seed", 4);
    }

    private static final class Crash extends RuntimeException {
    }

    @Test
    void resumedRunOnShardsMatchesUninterruptedRunBitForBit() throws Exception {
        TrainConfig a = config(tmp.resolve("a"));
        try (LoaderBatchSource data = source(a)) {
            assertEquals(64, data.samplesPerEpoch());   // from sizes.json: 4 steps an epoch, 6 steps cross into epoch 1
            Trainer.builder().config(a).data(data).interactive(false).build().fit();
        }
        TrainConfig b = config(tmp.resolve("b"));
        try (LoaderBatchSource data = source(b)) {
            assertThrows(Crash.class, () -> Trainer.builder().config(b).data(data).interactive(false)
                    .onStep(m -> {
                        if (m.step() == 3) throw new Crash();
                    }).build().fit());
        }
        TrainConfig resumed = b.with(Map.of("resume", "latest"), "test");
        try (LoaderBatchSource data = source(resumed)) {
            assertEquals(6, Trainer.builder().config(resumed).data(data).interactive(false).build().fit().steps());
        }
        Map<String, INDArray> wa = new SafeTensorsFile().read(tmp.resolve("a/model.safetensors")).tensors();
        Map<String, INDArray> wb = new SafeTensorsFile().read(tmp.resolve("b/model.safetensors")).tensors();
        for (String k : wa.keySet()) {
            assertArrayEquals(wa.get(k).data().asFloat(), wb.get(k).data().asFloat(), 0f, "weights differ: " + k);
        }
    }

    /**
     * Without a source the trainer opens train-data with vocab itself and checks them first. (No training here:
     * warming the kernels up in this JVM before the bit-exact test above would make it depend on JIT timing;
     * TrainCommandTest trains this way, and checks the run keeps its vocabulary.)
     */
    @Test
    void theTrainerOpensTrainDataItself() throws Exception {
        TrainConfig cfg = config(tmp.resolve("own")).with(Map.of("train-data", DATA.shards() + "/shard-{00000..00003}.tar",
                "vocab", DATA.vocab().toString(), "steps", 0, "epochs", 2, "workers", 1), "test");
        assertEquals(8, Trainer.builder().config(cfg).build().totalSteps(), "2 epochs of 64 pairs (sizes.json) in batches of 16");

        ConfigException e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(cfg.with(Map.of("train-data", DATA.shards() + "/shard-{00000..00005}.tar"), "test")).build());
        assertTrue(e.getMessage().contains("train-data: 2 of 6 shards not found"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> Trainer.builder()
                .config(cfg.with(Map.of("vocab", tmp.resolve("none.txt").toString()), "test")).build());
        assertTrue(e.getMessage().contains("vocab: file not found"), e.getMessage());
        TrainConfig noVocab = TrainConfig.restore(cfg.toJson(), "saved").toBuilder().vocab(null).build();
        e = assertThrows(ConfigException.class, () -> Trainer.builder().config(noVocab).build());
        assertTrue(e.getMessage().contains("vocab is required: model 'ViT-tiny' embeds 1000 tokens"), e.getMessage());
    }
}
