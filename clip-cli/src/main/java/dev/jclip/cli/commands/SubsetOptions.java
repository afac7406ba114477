package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import picocli.CommandLine.Option;

/** {@code --limit N --seed S}: work on a fixed random subset of a dataset. */
public final class SubsetOptions {
    @Option(names = "--limit", paramLabel = "N", description = "a fixed random subset of N images; 0 = all") int limit;

    @Option(names = "--seed", paramLabel = "S", description = "seed of the subset (and of the command's other random choices)") long seed;

    /** Checks the values before any work. */
    SubsetOptions checked() {
        if (limit < 0) throw new UsageException("--limit must be 0 (all) or positive, got " + limit);
        return this;
    }
}
