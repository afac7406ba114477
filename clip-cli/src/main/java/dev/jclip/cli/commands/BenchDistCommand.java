package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ConfigException;
import dev.jclip.train.bench.CollectiveBenchmark;
import dev.jclip.train.bench.DistStepBenchmark;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mpirun -np N clip bench dist [--min-bytes 4K] [--max-bytes 256M] [--steps N --model M --batch-size G
 * --rank-batch b]}: all-reduce and all-gather bandwidth of the job's collective at message sizes from min to max
 * (each 4x the last) and, with {@code --steps}, the time of the trainer's step at the job's world size with the
 * global batch fixed and with the per-rank batch fixed ({@link DistStepBenchmark}); rank 0 prints one JSON line per
 * measurement (docs/SCALING.md has a table of them).
 */
@Command(name = "dist", description = "all-reduce and all-gather bandwidth (GB/s) over message sizes, and with --steps the"
        + " training step time at this world size; run under mpirun or srun")
public final class BenchDistCommand extends ClipCommand {
    @Option(names = "--min-bytes", paramLabel = "SIZE", description = "smallest message, e.g. 4K (default: ${DEFAULT-VALUE})")
    String minBytes = "4K";

    @Option(names = "--max-bytes", paramLabel = "SIZE", description = "largest message, e.g. 256M (default: ${DEFAULT-VALUE})")
    String maxBytes = "256M";

    @Option(names = "--no-bandwidth", description = "skip the all-reduce and all-gather sweep")
    boolean noBandwidth;

    @Option(names = "--steps", paramLabel = "N", description = "timed training steps per scaling mode; 0 = no step timing (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", description = "untimed training steps first (default: ${DEFAULT-VALUE})")
    int warmup = 3;

    @Option(names = "--model", paramLabel = "NAME|JSON", description = "model of the timed steps (default: ${DEFAULT-VALUE})")
    String model = "ViT-tiny";

    @Option(names = "--batch-size", paramLabel = "G", description = "global batch of the global-batch mode, split over the ranks;"
            + " 0 = leave the mode out (default: ${DEFAULT-VALUE})")
    int globalBatch = 64;

    @Option(names = "--rank-batch", paramLabel = "B", description = "per-rank batch of the rank-batch mode (global B x ranks);"
            + " 0 = leave the mode out (default: ${DEFAULT-VALUE})")
    int rankBatch = 16;

    @Option(names = "--output", paramLabel = "DIR", description = "where rank 0 writes the timed runs (one folder per mode);"
            + " default: a temporary folder, deleted afterwards")
    java.nio.file.Path output;

    @Mixin
    DistBackendOption dist;

    @Override
    protected int run() throws Exception {
        long min = bytes("--min-bytes", minBytes);
        long max = bytes("--max-bytes", maxBytes);
        if (steps < 0 || warmup < 0 || globalBatch < 0 || rankBatch < 0) {
            throw new UsageException("--steps, --warmup, --batch-size and --rank-batch must be >= 0");
        }
        if (noBandwidth && steps == 0) throw new UsageException("--no-bandwidth without --steps measures nothing");
        Collective c = dist.open();
        List<CollectiveBenchmark.Row> rows = List.of();
        List<DistStepBenchmark.Row> stepRows = List.of();
        if (steps > 0 && globalBatch % c.worldSize() != 0) {   // before the sweep, which takes minutes
            c.close();
            throw new UsageException("--batch-size " + globalBatch + " (the global batch) does not split over " + c.worldSize() + " ranks");
        }
        try {
            if (!noBandwidth) rows = CollectiveBenchmark.run(c, min, max);
            if (steps > 0) stepRows = DistStepBenchmark.run(c, model, globalBatch, rankBatch, steps, warmup, output);
        } catch (IllegalArgumentException | ConfigException e) {
            // the same on every rank (sizes, batches, model), found before any collective that could hang
            c.close();
            throw new UsageException(e.getMessage());
        } catch (Exception | Error e) {
            Collectives.abort(c, 1, "clip bench dist: rank " + c.rank() + " failed: " + e);
            throw e;
        }
        if (c.rank() == 0) {
            ObjectMapper json = new ObjectMapper();
            for (CollectiveBenchmark.Row r : rows) {
                printJson(json, "op", r.op(), "bytes", r.bytes(), "ranks", r.worldSize(), "iterations", r.iterations(),
                        "seconds", r.seconds(), "algorithm_gb_per_s", Math.round(r.algorithmGBs() * 1000) / 1000.0,
                        "bus_gb_per_s", Math.round(r.busGBs() * 1000) / 1000.0);
            }
            for (DistStepBenchmark.Row r : stepRows) {
                printJson(json, "op", "train-step", "mode", r.mode(), "model", r.model(), "ranks", r.worldSize(),
                        "global_batch", r.globalBatch(), "rank_batch", r.rankBatch(), "steps", r.steps(), "warmup_steps", r.warmup(),
                        "median_step_ms", Math.round(r.medianStepMs() * 100) / 100.0, "min_step_ms", Math.round(r.minStepMs() * 100) / 100.0,
                        "samples_per_s", Math.round(r.samplesPerSecond() * 100) / 100.0,
                        "run", output == null ? null : r.runDir().toString());
            }
        }
        c.close();
        return 0;
    }

    /** 4096, 4K, 64M, 1G (powers of 1024). */
    static long bytes(String option, String text) {
        String t = text.strip().toUpperCase(java.util.Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) unit = 1L << 10;
        else if (t.endsWith("M")) unit = 1L << 20;
        else if (t.endsWith("G")) unit = 1L << 30;
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        try {
            long v = Long.parseLong(digits) * unit;
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " " + text + " is not a size (e.g. 4096, 4K, 64M, 1G)");
        }
    }

    /** One JSON line on stdout: the pairs in order (a null value left out), then the machine's facts. */
    private static void printJson(ObjectMapper json, Object... keysAndValues) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        out.putAll(dev.jclip.core.Machine.facts());
        System.out.println(json.writeValueAsString(out));
    }
}
