package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.core.Threads;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.train.bench.TrainBenchmark;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code clip bench train}: times training steps on random data and prints one JSON line. */
public final class BenchTrainCommand implements Command {
    @Override
    public String name() {
        return "bench train";
    }

    @Override
    public String summary() {
        return "time forward + loss + backward + AdamW steps: --model CFG --batch-size B --steps N [--threads T] [--warmup N] [--warmup-seconds S] [--no-sgemm]";
    }

    @Override
    public int run(Args args) throws Exception {
        String model = args.get("model", "ViT-tiny");
        int batch = args.getInt("batch-size", 64);
        int steps = args.getInt("steps", 10);
        int warmup = args.getInt("warmup", 2);
        double warmupSeconds = args.getDouble("warmup-seconds", 5);
        int threads = Threads.configure(args.getInt("threads", 0));
        boolean skipPeak = args.flag("no-sgemm");
        long seed = args.getLong("seed", 0);
        args.checkAllUsed();
        ClipConfig cfg = ClipConfig.load(model);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.putAll(TrainBenchmark.run(cfg, batch, steps, warmup, warmupSeconds, seed));
        out.put("threads", threads);
        if (!skipPeak) {
            // the achieved rate next to this machine's large-GEMM rate at the same thread count (the practical peak)
            double peak = TrainBenchmark.sgemmGflops(1024, 5);
            out.put("sgemm_peak_gflops", peak);
            out.put("fraction_of_sgemm_peak", Math.round((double) out.get("gflops_per_s") / peak * 1000) / 1000.0);
        }
        System.out.println(new ObjectMapper().writeValueAsString(out));
        return 0;
    }
}
