package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.UsageException;
import dev.jclip.data.loader.CsvManifest;
import dev.jclip.data.loader.CsvManifestSource;
import dev.jclip.data.loader.SampleSource;
import dev.jclip.data.loader.WebDatasetSource;
import java.io.IOException;
import java.nio.file.Path;

/** The options that choose a dataset: {@code --data SPEC} (WebDataset shards) or {@code --csv PATH} with its columns. */
final class DataSourceOptions {
    private DataSourceOptions() {
    }

    /** Reads {@code --image-col}, {@code --caption-col} and {@code --sep} and loads the manifest. */
    static CsvManifest manifest(Args args, Path csv) throws IOException {
        String imageCol = args.get("image-col", CsvManifest.DEFAULT_IMAGE_COLUMN);
        String captionCol = args.get("caption-col", CsvManifest.DEFAULT_CAPTION_COLUMN);
        char sep = separator(args.get("sep", "\t"));
        try {
            return CsvManifest.read(csv, sep, imageCol, captionCol);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** {@code --data SPEC} or {@code --csv PATH [...]}, exactly one of them; every sample once, in order. */
    static SampleSource source(Args args) throws IOException {
        String spec = args.get("data", null);
        Path csv = args.path("csv");
        if ((spec == null) == (csv == null)) throw new UsageException("give exactly one of --data SPEC or --csv PATH");
        if (spec != null) {
            try {
                return WebDatasetSource.of(spec, false);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return new CsvManifestSource(manifest(args, csv));
    }

    /** One character; {@code \t}, a literal tab and {@code tab} all mean tab. */
    static char separator(String s) {
        if (s.equals("\\t") || s.equals("\t") || s.equalsIgnoreCase("tab")) return '\t';
        if (s.length() != 1) throw new UsageException("--sep must be one character (or \\t), got '" + s + "'");
        return s.charAt(0);
    }
}
