package dev.jclip.cli.repro;

import dev.jclip.cli.UsageException;
import dev.jclip.cli.demo.DemoData;
import dev.jclip.cli.demo.DemoRun;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** What every {@code clip repro} command takes: where to write, how large, which seed, where the emoji data are. */
public final class ReproOptions {
    @Option(names = "--scale", paramLabel = "X",
            description = "run the same experiment X times larger: training steps, draws and data sizes (default: ${DEFAULT-VALUE})")
    double scale = 1;

    @Option(names = "--output", paramLabel = "DIR", description = "each finding writes DIR/NAME/ (default: ${DEFAULT-VALUE})")
    Path output = Path.of("runs", "repro");

    @Option(names = "--seed", paramLabel = "S", description = "seed of the model, the splits and the draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", description = "emoji packages already downloaded, as for clip demo (default: fetched with npm into the cache)")
    Path data;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "download cache, which also keeps the trained emoji model the findings share (default: $JCLIP_CACHE, else ~/.cache/jclip)")
    Path cache;

    @Option(names = "--steps", paramLabel = "N", description = "training steps of the shared emoji model (default: "
            + EmojiModel.REPRO_STEPS + " x --scale)")
    long steps;

    @Option(names = "--limit", paramLabel = "N", description = "use only N emoji (a seeded sample, for a quick try); 0 = all")
    int limit;

    @Option(names = "--batch-size", paramLabel = "B", description = "batch size of the shared emoji model (default: ${DEFAULT-VALUE})")
    int batchSize = DemoRun.DEFAULT_BATCH;

    @Option(names = "--validation-fraction", paramLabel = "F",
            description = "share of each subcategory the shared emoji model leaves out of training, as clip demo's (default: ${DEFAULT-VALUE})")
    double validationFraction = DemoData.VALIDATION_FRACTION;

    /** Checks the values picocli cannot. */
    void check() {
        if (!(scale > 0)) throw new UsageException("--scale must be positive, got " + scale);
        if (steps < 0) throw new UsageException("--steps must be positive, got " + steps);
        if (limit < 0 || (limit > 0 && limit < 2)) throw new UsageException("--limit must be at least 2, got " + limit);
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new UsageException("--validation-fraction must be in (0, 1), got " + validationFraction);
        }
        if (batchSize < 2) throw new UsageException("--batch-size must be at least 2, got " + batchSize);
    }

    /** The emoji model's training steps: {@code --steps}, else {@link EmojiModel#REPRO_STEPS} times {@code --scale}. */
    long trainingSteps() {
        return steps > 0 ? steps : Math.max(1, Math.round(EmojiModel.REPRO_STEPS * scale));
    }

    /** {@code base} times {@code --scale}, at least {@code min}. */
    int scaled(int base, int min) {
        return (int) Math.max(min, Math.round(base * scale));
    }
}
