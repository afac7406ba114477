package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where and how a {@code clip data} command writes WebDataset shards. */
public final class ShardOutputOptions {
    @Option(names = "--output", required = true, paramLabel = "DIR", description = "shard folder (gets sizes.json too)") Path output;

    @Option(names = "--samples-per-shard", paramLabel = "N", description = "samples in each tar (default: ${DEFAULT-VALUE})") int perShard = 1000;

    @Option(names = "--prefix", paramLabel = "NAME", description = "shard file name prefix (default: ${DEFAULT-VALUE})") String prefix = "shard";

    /** Checks the values before any work. */
    ShardOutputOptions checked() {
        if (perShard <= 0) throw new UsageException("--samples-per-shard must be positive, got " + perShard);
        return this;
    }
}
