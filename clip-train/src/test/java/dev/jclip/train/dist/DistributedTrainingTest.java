package dev.jclip.train.dist;

import dev.jclip.core.config.ConfigException;
import dev.jclip.train.TestConfigs;
import dev.jclip.train.TinyShards;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Distributed runs on thread-ranks over real shards (data-order shards: each rank reads its own), resumed after a
 * rank fails; and the refusals at start.
 */
class DistributedTrainingTest {
    @TempDir
    static Path tmp;
    static final TinyShards DATA = TinyShards.shared();   // 4 shards of 16

    private static TrainConfig config(Path out, String shardRange) {
        return TestConfigs.of("model", "ViT-tiny", "batch-size", 16, "steps", 6L, "lr", 1e-3, "warmup", 1L,
                "train-data", DATA.shards() + "/shard-{" + shardRange + "}.tar", "vocab", DATA.vocab().toString(), "workers", 1,
                "output", out.toString(), "checkpoint-every", 2L, "seed", 4L);
    }

    private static final class Crash extends RuntimeException {
    }

    private static List<Map<String, INDArray>> train(int world, TrainConfig cfg, int crashRank, long crashStep) throws Exception {
        return DistributedRuns.onRanks(world, c -> {
            Trainer t = Trainer.builder().config(cfg).collective(c).interactive(false).onStep(m -> {
                if (c.rank() == crashRank && m.step() == crashStep) throw new Crash();
            }).build();
            t.fit();
            return DistributedRuns.weights(t);
        });
    }

    @Test
    void aRankThatFailsStopsTheRunAndResumeLatestFinishesItExactly() throws Exception {
        // each of 2 ranks reads 2 of the 4 shards, 8 pairs a step: 4 steps an epoch, 6 steps cross into epoch 1
        TrainConfig a = config(tmp.resolve("a"), "00000..00003");
        Map<String, INDArray> uninterrupted = train(2, a, -1, -1).get(0);

        TrainConfig b = config(tmp.resolve("b"), "00000..00003");
        Exception failed = assertThrows(Exception.class, () -> train(2, b, 1, 3));
        // rank 0 comes first in the harness: it did not hang, it learnt that rank 1 left
        assertInstanceOf(CollectiveException.class, failed, failed.toString());
        assertTrue(failed.getMessage().contains("rank 1"), failed.getMessage());
        assertFalse(Files.exists(tmp.resolve("b/model.safetensors")));

        TrainConfig resumed = b.with(Map.of("resume", "latest"), "test");
        List<Map<String, INDArray>> ranks = train(2, resumed, -1, -1);
        for (Map<String, INDArray> w : ranks) {
            assertEquals(0.0, DistributedRuns.worstRelativeDifference(w, uninterrupted).getValue(), "resumed run differs");
        }
        // rank 0 alone wrote the run folder: one metrics line per step
        assertEquals(6, Files.readAllLines(tmp.resolve("b/metrics.jsonl")).size());
    }

    @Test
    void evaluationRunsOnEveryRankThroughTheCollective() throws Exception {
        Path out = tmp.resolve("eval");
        TrainConfig cfg = config(out, "00000..00003").with(Map.of("steps", 2L, "eval-every", 2L), "test");
        DistributedRuns.onRanks(2, c -> {
            Trainer t = Trainer.builder().config(cfg).collective(c).interactive(false).evalHook(new dev.jclip.train.EvalHook() {
                @Override
                public Map<String, Double> evaluate(dev.jclip.core.model.ClipModel model, long step) {
                    throw new AssertionError("a distributed run evaluates through the collective");
                }

                @Override
                public Map<String, Double> evaluate(dev.jclip.core.model.ClipModel model, long step, Collective col) {
                    double[] ranks = {1};
                    col.allReduceSum(ranks);   // every rank takes part, or this would time out
                    return Map.of("ranks_evaluating", ranks[0]);
                }
            }).build();
            return t.fit();
        });
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertTrue(metrics.get(1).contains("\"ranks_evaluating\":2.0"), metrics.get(1));
    }

    @Test
    void aRankWithoutShardsIsRefusedOnEveryRank() {
        TrainConfig cfg = config(tmp.resolve("noshards"), "00000..00000");
        Exception e = assertThrows(ConfigException.class, () -> train(2, cfg, -1, -1));
        assertTrue(e.getMessage().contains("rank 1 of 2 has no shards"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("noshards")));
    }

    @Test
    void ranksThatWouldTrainDifferentRunsAreRefused() {
        Path out = tmp.resolve("differ");
        AtomicReference<String> rank0Message = new AtomicReference<>();
        Exception e = assertThrows(ConfigException.class, () -> DistributedRuns.onRanks(2, c -> {
            TrainConfig cfg = config(out, "00000..00003").with(Map.of("seed", 4L + c.rank(), "model", c.rank() == 0 ? "ViT-tiny" : "RN-tiny"), "test");
            try {
                return Trainer.builder().config(cfg).collective(c).interactive(false).build();
            } catch (ConfigException refused) {
                if (c.rank() == 0) rank0Message.set(refused.getMessage());
                throw refused;
            }
        }));
        for (String msg : List.of(e.getMessage(), rank0Message.get())) {
            assertTrue(msg.contains("rank 1's seed differs from rank 0's (5 vs 4)"), msg);
            assertTrue(msg.contains("rank 1's model differs"), msg);
        }
    }

    @Test
    void aGlobalBatchThatDoesNotSplitOverTheRanksIsRefused() {
        TrainConfig cfg = config(tmp.resolve("split"), "00000..00003").with(Map.of("accum-freq", 4), "test");
        Exception e = assertThrows(ConfigException.class, () -> train(8, cfg, -1, -1));
        assertTrue(e.getMessage().contains("batch-size 16 (the global batch) does not split over 8 ranks x accum-freq 4"), e.getMessage());
    }

    /**
     * dataset-resampled over ranks (open_clip's ResampledShards2): every rank draws shards from all of them, its
     * readers seeded by (seed, epoch, rank, worker), so the two ranks read different pairs; the same seed and world
     * size draw the same again; and a 2-rank run with it trains (no longer refused), both ranks ending alike.
     */
    @Test
    void resampledShardsAreDrawnPerRankAndRepeatWithTheSeed() throws Exception {
        TrainConfig cfg = config(tmp.resolve("resampled"), "00000..00003")
                .with(Map.of("dataset-resampled", true, "train-num-samples", 32L, "steps", 2L), "test");
        dev.jclip.core.config.ClipConfig model = dev.jclip.core.config.ClipConfig.load("ViT-tiny");
        List<List<String>> rank0 = keys(cfg, model, 0), rank1 = keys(cfg, model, 1);
        assertEquals(2, rank0.size(), "an epoch of 32 pairs is 2 global batches of 16, each rank 8 of every one");
        for (int b = 0; b < rank0.size(); b++) assertFalse(rank0.get(b).equals(rank1.get(b)), "ranks 0 and 1 read the same pairs " + rank0.get(b));
        assertEquals(rank0, keys(cfg, model, 0), "the same seed and world size drew other pairs");

        List<Map<String, INDArray>> ranks = train(2, cfg, -1, -1);
        assertEquals(0.0, DistributedRuns.worstRelativeDifference(ranks.get(1), ranks.get(0)).getValue(), "the ranks differ");
    }

    /** The sample keys of the batches rank {@code rank} of 2 reads in epoch 0. */
    private static List<List<String>> keys(TrainConfig cfg, dev.jclip.core.config.ClipConfig model, int rank) throws Exception {
        List<List<String>> out = new java.util.ArrayList<>();
        try (var source = dev.jclip.train.data.TrainingData.open(cfg, model, rank, 2)) {
            source.startEpoch(0, cfg.runtime().seed());
            for (var b = source.next(); b != null; b = source.next()) out.add(b.keys());
        }
        return out;
    }
}
