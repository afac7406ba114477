package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.data.loader.CsvManifest;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The columns and separator of a CSV/TSV manifest of image files and captions. */
public final class ManifestOptions {
    @Option(names = "--image-col", paramLabel = "NAME", defaultValue = CsvManifest.DEFAULT_IMAGE_COLUMN,
            description = "image path column (default: ${DEFAULT-VALUE})")
    String imageColumn;

    @Option(names = "--caption-col", paramLabel = "NAME", defaultValue = CsvManifest.DEFAULT_CAPTION_COLUMN,
            description = "caption column (default: ${DEFAULT-VALUE})")
    String captionColumn;

    @Option(names = "--sep", paramLabel = "C", defaultValue = "\\t", description = "separator: one character, \\t or tab (default: tab)")
    String separator;

    /** Reads the manifest; a missing column is a usage error. */
    CsvManifest read(Path csv) throws IOException {
        char sep = separator(separator);
        try {
            return CsvManifest.read(csv, sep, imageColumn, captionColumn);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** One character; {@code \t}, a literal tab and {@code tab} all mean tab. */
    static char separator(String s) {
        if (s.equals("\\t") || s.equals("\t") || s.equalsIgnoreCase("tab")) return '\t';
        if (s.length() != 1) throw new UsageException("--sep must be one character (or \\t), got '" + s + "'");
        return s.charAt(0);
    }
}
