package dev.jclip.train.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.train.dist.DistributedRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * clip bench dist's step timing: the trainer's step at the job's world size in both scalings, one run folder per
 * mode written by rank 0 alone, the same figures on every rank.
 */
class DistStepBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void timesTheTrainersStepAtTheWorldSizeWithOneRunFolderPerMode() throws Exception {
        Path out = tmp.resolve("bench");
        List<List<DistStepBenchmark.Row>> ranks = DistributedRuns.onRanks(2,
                c -> DistStepBenchmark.run(c, "ViT-tiny", 8, 2, 2, 1, out));
        List<DistStepBenchmark.Row> rows = ranks.get(0);
        assertEquals(rows, ranks.get(1), "every rank reports the slowest rank's figures");
        assertEquals(2, rows.size());
        DistStepBenchmark.Row global = rows.get(0), perRank = rows.get(1);
        // global batch fixed: 8 over 2 ranks; per-rank batch fixed: 2 per rank, 4 in all
        assertEquals(List.of("global-batch", 2, 8, 4), List.of(global.mode(), global.worldSize(), global.globalBatch(), global.rankBatch()));
        assertEquals(List.of("rank-batch", 2, 4, 2), List.of(perRank.mode(), perRank.worldSize(), perRank.globalBatch(), perRank.rankBatch()));
        for (DistStepBenchmark.Row r : rows) {
            assertTrue(r.medianStepMs() > 0 && r.minStepMs() <= r.medianStepMs(), r.toString());
            // one run folder per mode, both ranks' steps in one metrics.jsonl: warmup + timed steps, each once
            assertEquals(out.resolve(r.mode()), r.runDir());
            List<String> lines = Files.readAllLines(r.runDir().resolve("metrics.jsonl"));
            long steps = lines.stream().filter(l -> l.contains("\"step\"")).map(l -> {
                try {
                    return new ObjectMapper().readTree(l).get("step").asLong();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).distinct().count();
            assertEquals(3, steps, String.join("\n", lines));
            assertEquals(3, lines.size(), "each step written once, by rank 0");
            assertTrue(new ObjectMapper().readTree(lines.get(0)).get("loss").asDouble() > 0);
        }
        try (Stream<Path> top = Files.list(out)) {
            assertEquals(List.of("global-batch", "rank-batch"), top.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void withoutAnOutputRankZerosTemporaryFolderIsSharedAndDeleted() throws Exception {
        List<List<DistStepBenchmark.Row>> ranks = DistributedRuns.onRanks(2,
                c -> DistStepBenchmark.run(c, "ViT-tiny", 4, 0, 1, 0, null));
        Path dir = ranks.get(0).get(0).runDir();
        assertEquals(dir, ranks.get(1).get(0).runDir(), "both ranks trained the one run of rank 0's folder");
        assertEquals(1, ranks.get(0).size(), "rank-batch 0 leaves that mode out");
        assertFalse(Files.exists(dir.getParent()), "the temporary folder is deleted");
        assertThrows(IllegalArgumentException.class, () -> DistStepBenchmark.run(new dev.jclip.train.dist.LocalCollective(), "ViT-tiny", 4, 0, 0, 0, null));
    }
}
