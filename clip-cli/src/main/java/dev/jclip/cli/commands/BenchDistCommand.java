package dev.jclip.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.train.bench.CollectiveBenchmark;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mpirun -np N clip bench dist [--min-bytes 4K] [--max-bytes 256M]}: all-reduce and all-gather bandwidth of
 * the job's collective at message sizes from min to max (each 4x the last); rank 0 prints one JSON line per
 * measurement (docs/SCALING.md has a table of them).
 */
@Command(name = "dist", description = "all-reduce and all-gather bandwidth (GB/s) over message sizes; run under mpirun or srun")
public final class BenchDistCommand extends ClipCommand {
    @Option(names = "--min-bytes", paramLabel = "SIZE", description = "smallest message, e.g. 4K (default: ${DEFAULT-VALUE})")
    String minBytes = "4K";

    @Option(names = "--max-bytes", paramLabel = "SIZE", description = "largest message, e.g. 256M (default: ${DEFAULT-VALUE})")
    String maxBytes = "256M";

    @Mixin
    DistBackendOption dist;

    @Override
    protected int run() throws Exception {
        long min = bytes("--min-bytes", minBytes);
        long max = bytes("--max-bytes", maxBytes);
        Collective c = dist.open();
        List<CollectiveBenchmark.Row> rows;
        try {
            rows = CollectiveBenchmark.run(c, min, max);
        } catch (IllegalArgumentException e) {
            c.close();
            throw new UsageException(e.getMessage());
        } catch (RuntimeException | Error e) {
            Collectives.abort(c, 1, "clip bench dist: rank " + c.rank() + " failed: " + e);
            throw e;
        }
        if (c.rank() == 0) {
            ObjectMapper json = new ObjectMapper();
            for (CollectiveBenchmark.Row r : rows) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("op", r.op());
                out.put("bytes", r.bytes());
                out.put("ranks", r.worldSize());
                out.put("iterations", r.iterations());
                out.put("seconds", r.seconds());
                out.put("algorithm_gb_per_s", Math.round(r.algorithmGBs() * 1000) / 1000.0);
                out.put("bus_gb_per_s", Math.round(r.busGBs() * 1000) / 1000.0);
                out.putAll(dev.jclip.core.Machine.facts());
                System.out.println(json.writeValueAsString(out));
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
}
