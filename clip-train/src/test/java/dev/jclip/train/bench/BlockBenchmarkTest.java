package dev.jclip.train.bench;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.FlopCounter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocks {@link BlockBenchmark} times are the model's: their multiply-adds, each times how often the model runs
 * it, add up to {@link FlopCounter}'s count of the whole forward pass (less the parts that are no block: the ViT's
 * patch embedding and the projections to the embedding).
 */
class BlockBenchmarkTest {

    /** Forward multiply-adds of the timed dense blocks (forward + backward counts are 3x, 2x without input gradient). */
    private static double forwardMadds(List<BlockBenchmark.Block> blocks) {
        double sum = 0;
        for (BlockBenchmark.Block b : blocks) {
            if (b.kind().equals("attention_core") || b.madds() == 0) continue;   // inside attention
            double perCall = b.shape().contains("no input grad") ? b.madds() / 2 : b.madds() / 3;
            sum += b.count() * perCall;
        }
        return sum;
    }

    @Test
    void resnetBlocksAddUpToTheModelsCount() {
        ClipConfig cfg = ClipConfig.preset("RN50");
        int batch = 2;
        List<BlockBenchmark.Block> blocks = BlockBenchmark.blocks(cfg, batch, 0);
        double textProjection = (double) batch * cfg.text().width() * cfg.embedDim();
        assertEquals(FlopCounter.forwardFlopsPerPair(cfg) * batch / 2, forwardMadds(blocks) + textProjection, 1);
        // RN50: 3 stem convolutions and 3 + 4 + 6 + 3 bottlenecks of 3 convolutions, 4 of them with a downsample
        int convolutions = blocks.stream().filter(b -> b.kind().equals("convolution")).mapToInt(BlockBenchmark.Block::count).sum();
        assertEquals(3 + 16 * 3 + 4, convolutions);
        int norms = blocks.stream().filter(b -> b.kind().equals("batch_norm")).mapToInt(BlockBenchmark.Block::count).sum();
        assertEquals(convolutions, norms);
        assertEquals(1, blocks.stream().filter(b -> b.shape().contains("no input grad")).count());
    }

    @Test
    void vitBlocksAddUpToTheModelsCount() {
        ClipConfig cfg = ClipConfig.preset("ViT-B-32");
        int batch = 3;
        List<BlockBenchmark.Block> blocks = BlockBenchmark.blocks(cfg, batch, 0);
        var v = cfg.vision();
        int patches = v.gridSize() * v.gridSize();
        double notBlocks = (double) batch * (patches * 3.0 * v.patchSize() * v.patchSize() * v.width()
                + (double) v.width() * cfg.embedDim() + (double) cfg.text().width() * cfg.embedDim());
        assertEquals(FlopCounter.forwardFlopsPerPair(cfg) * batch / 2, forwardMadds(blocks) + notBlocks, 1);
        Set<String> kinds = blocks.stream().map(b -> b.tower() + " " + b.kind()).collect(Collectors.toSet());
        for (String tower : List.of("image", "text")) {
            for (String kind : List.of("attention", "attention_core", "mlp", "layer_norm")) assertTrue(kinds.contains(tower + " " + kind), kinds.toString());
        }
    }

    @Test
    void runReportsEveryBlockWithItsRate() {
        List<Map<String, Object>> rows = BlockBenchmark.run(ClipConfig.preset("ViT-tiny"), 2, 1, 1, 0,
                new TrainBenchmark.SgemmRate(100.0, 200.0), 0);
        assertEquals(8, rows.size(), rows.toString());
        for (Map<String, Object> r : rows) {
            assertTrue((double) r.get("ms") > 0 && (double) r.get("cpu_ms") > 0, r.toString());
            if ((long) r.get("madds") > 0) {
                double gflops = (double) r.get("gflops");
                assertEquals(2.0 * (long) r.get("madds") / (double) r.get("ms") / 1e6, gflops, 0.05 * gflops + 0.01, r.toString());
                assertEquals(gflops / 100.0, (double) r.get("fraction_of_sgemm_peak"), 0.001, r.toString());
                double perCpuS = (double) r.get("gflops_per_cpu_s");
                assertEquals(2.0 * (long) r.get("madds") / (double) r.get("cpu_ms") / 1e6, perCpuS, 0.05 * perCpuS + 0.01, r.toString());
                assertEquals(perCpuS / 200.0, (double) r.get("fraction_of_sgemm_peak_cpu"), 0.001, r.toString());
            } else {
                assertTrue(!r.containsKey("gflops"), r.toString());
            }
        }
    }
}
