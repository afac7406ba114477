package dev.jclip.cli.commands;

import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.core.Machine;
import dev.jclip.core.Threads;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ConcurrentTowers;
import dev.jclip.core.nn.MatMul;
import dev.jclip.core.nn.Precision;
import dev.jclip.train.bench.BlockBenchmark;
import dev.jclip.train.bench.TrainBenchmark;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code clip bench train}: times training steps on random data and prints one JSON line. */
@Command(name = "train", description = "time forward + loss + backward + AdamW steps on random data, then each block kind on its own;"
        + " prints one JSON line")
public final class BenchTrainCommand extends ClipCommand {
    @Option(names = "--model", paramLabel = "NAME|JSON", description = "(default: ${DEFAULT-VALUE})") String model = "ViT-tiny";

    @Option(names = "--batch-size", paramLabel = "B", description = "(default: ${DEFAULT-VALUE})") int batch = 64;

    @Option(names = "--steps", paramLabel = "N", description = "timed steps (default: ${DEFAULT-VALUE})") int steps = 10;

    @Option(names = "--warmup", paramLabel = "N", description = "untimed steps first, at least (default: ${DEFAULT-VALUE})") int warmup = 2;

    @Option(names = "--warmup-seconds", paramLabel = "S", description = "and at least this long (default: ${DEFAULT-VALUE})")
    double warmupSeconds = 5;

    @Option(names = "--no-sgemm", description = "skip the large-GEMM peak measurement") boolean skipPeak;

    @Option(names = "--no-blocks", description = "skip timing each block kind on its own (attention, attention core, MLP,"
            + " LayerNorm; a ResNet's convolutions, BatchNorms and attention pool) after the steps: the blocks array")
    boolean skipBlocks;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the model and the data") long seed;

    @Option(names = "--force-patch-dropout", paramLabel = "P",
            description = "drop this fraction of each image's patch tokens (a ViT; overrides the model's patch_dropout)")
    Double forcePatchDropout;

    @Option(names = "--grad-checkpointing", description = "recompute the transformer blocks' activations in backward"
            + " instead of keeping them (activation_peak_mb in the output)")
    boolean gradCheckpointing;

    @Option(names = "--concurrent-towers", paramLabel = "auto|on|off", description = "run the image and the text tower at"
            + " the same time, each on its share of the threads (the same bits either way): auto (with 2+ threads, where"
            + " each tower's FLOP share is at least one thread and the step is small), on, off (default: ${DEFAULT-VALUE})")
    String concurrentTowers = "auto";

    @Option(names = "--precision", paramLabel = "float32|bf16", description = "the towers' matrix products: float32, or"
            + " bf16 operands with float32 sums (open_clip's amp_bf16; Java 25 and libdnnl2) (default: ${DEFAULT-VALUE})")
    String precision = "float32";

    @Override
    protected int run() throws Exception {
        ConcurrentTowers towers;
        try {
            towers = ConcurrentTowers.parse(concurrentTowers);
        } catch (IllegalArgumentException e) {
            throw new dev.jclip.cli.UsageException("--concurrent-towers " + e.getMessage());
        }
        Precision products;
        try {
            products = Precision.parse(precision);
        } catch (IllegalArgumentException e) {
            throw new dev.jclip.cli.UsageException("--precision " + e.getMessage());
        }
        int threads = Threads.configure(this.threads);
        ClipConfig cfg = ClipConfig.load(model);
        if (forcePatchDropout != null) cfg = cfg.withPatchDropout(forcePatchDropout);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.putAll(TrainBenchmark.run(cfg, batch, steps, warmup, warmupSeconds, seed, gradCheckpointing, towers, products));
        out.put("threads", threads);
        out.putAll(Machine.facts());
        TrainBenchmark.SgemmRate peak = null;
        if (!skipPeak) {
            // the achieved rate next to this machine's large-GEMM rate at the same thread count (the practical peak)
            peak = TrainBenchmark.sgemm(1024, 5);
            out.put("sgemm_peak_gflops", peak.gflops());
            out.put("fraction_of_sgemm_peak", Math.round((double) out.get("gflops_per_s") / peak.gflops() * 1000) / 1000.0);
            // by the calling thread's CPU time: at one thread, the rate with other processes' time taken out
            if (!skipBlocks) out.put("sgemm_peak_gflops_per_cpu_s", peak.gflopsPerCpuS());
        }
        // each block kind on its own at the step's shapes, after the step's figures (peak RSS included) are taken
        // in the step's precision: with bf16 the blocks' products are bf16 (the sgemm peak above stays float32's)
        if (!skipBlocks) {
            ClipConfig blocksOf = cfg;
            TrainBenchmark.SgemmRate gemm = peak;
            out.put("blocks", MatMul.inPrecision(products, () -> BlockBenchmark.run(blocksOf, batch, steps, warmup, warmupSeconds, gemm, seed)));
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}
