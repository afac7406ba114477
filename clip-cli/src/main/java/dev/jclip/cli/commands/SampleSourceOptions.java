package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.data.loader.CsvManifestSource;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.WebDatasetSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** Where image-caption samples come from: WebDataset shards ({@code --data}) or a CSV/TSV manifest ({@code --csv}). */
public final class SampleSourceOptions {
    @Option(names = "--data", paramLabel = "SPEC", description = "WebDataset shards ('::' joins patterns)")
    String spec;

    @Option(names = "--csv", paramLabel = "PATH", description = "a CSV/TSV manifest instead of shards")
    Path csv;

    @Mixin
    ManifestOptions columns;

    /** The source asked for; none or both, a bad pattern or a missing column is a usage error. */
    SampleSource open() throws IOException {
        if ((spec == null) == (csv == null)) throw new UsageException("give exactly one of --data SPEC or --csv PATH");
        try {
            return spec != null ? WebDatasetSource.of(spec, false) : new CsvManifestSource(columns.read(csv));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
