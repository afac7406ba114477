package dev.jclip.cli.commands;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.image.ImageSizeGuard;
import dev.jclip.data.image.ImageTooLargeException;
import dev.jclip.data.loader.CsvManifest;
import dev.jclip.data.loader.SkipCounter;
import dev.jclip.data.loader.SkipReason;
import dev.jclip.data.shards.RecordTooLargeException;
import dev.jclip.data.shards.ShardWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code clip data make-shards --csv pairs.tsv --output dir [--samples-per-shard 1000] [--prefix shard]
 * [--image-col filepath --caption-col title --sep '\t'] [--verify]}: packs the image files and captions of a
 * manifest into WebDataset shards with sizes.json, keys numbered {@code 000000000, 000000001, ...} in manifest
 * order. Image bytes are copied unchanged; what the reader or the loader would refuse (an input over
 * {@code jclip.limit.recordBytes}, a header over the pixel limits) is left out, and {@code --verify} also decodes
 * each image and leaves out those that fail. Each input left out is named on stderr; prints a JSON summary.
 */
@Command(name = "make-shards", description = "pack a CSV/TSV manifest of image files and captions into WebDataset tar shards")
public final class MakeShardsCommand extends ClipCommand {
    private static final Set<String> IMAGE_EXTS = Set.of("jpg", "jpeg", "png", "webp", "bmp");

    @Option(names = "--csv", required = true, paramLabel = "PATH", description = "the manifest (paths relative to it)") Path csv;

    @Mixin
    ManifestOptions columns;

    @Mixin
    ShardOutputOptions shards;

    @Option(names = "--verify", description = "decode every image first and leave out those that fail") boolean verify;

    @Mixin
    ImageOptions images;

    @Override
    protected int run() throws Exception {
        shards.checked();
        CsvManifest manifest = columns.read(csv);

        SkipCounter skips = new SkipCounter() { // each refused input by name, on stderr, besides the counts
            @Override
            public void skip(String reason, String source, String key, String detail) {
                super.skip(reason, source, key, detail);
                System.err.println("clip data make-shards: skipped " + key + " (" + source + "): " + reason
                        + (detail == null ? "" : ": " + detail));
            }
        };
        long written = 0;
        ObjectMapper json = new ObjectMapper();
        ShardWriter writer = new ShardWriter(shards.output, shards.prefix, shards.perShard);
        try (writer) {
            for (CsvManifest.Row row : manifest.rows()) {
                String where = csv + " line " + row.line();
                if (row.skipReason() != null) {
                    skips.skip(row.skipReason(), csv.toString(), "line " + row.line(), row.detail());
                    continue;
                }
                String ext = extension(row.image());
                if (!IMAGE_EXTS.contains(ext)) {
                    skips.skip(SkipReason.UNSUPPORTED_IMAGE, where, row.image().toString(), "extension '" + ext + "'");
                    continue;
                }
                byte[] image;
                try {
                    image = ShardWriter.readRecord(row.image()); // what the shard reader would skip is not written
                    ImageSizeGuard.checkHeader(image); // nor what the loader would refuse from the header
                } catch (NoSuchFileException e) {
                    skips.skip(SkipReason.MISSING_IMAGE, where, row.image().toString(), "no such file");
                    continue;
                } catch (RecordTooLargeException | ImageTooLargeException e) {
                    skips.skip(SkipReason.IMAGE_TOO_LARGE, where, row.image().toString(), e.getMessage());
                    continue;
                } catch (IOException e) {
                    skips.skip(SkipReason.SHARD_UNREADABLE, where, row.image().toString(), "reading it: " + e);
                    continue;
                }
                if (verify && !decodes(image, skips, where, row.image())) continue;
                String key = String.format("%09d", written);
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("key", key);
                meta.put("caption", row.caption());
                meta.put("filepath", row.image().toString());
                try {
                    writer.write(key, ext, image, row.caption(), json.writeValueAsBytes(meta));
                } catch (RecordTooLargeException e) {
                    skips.skip(SkipReason.RECORD_TOO_LARGE, where, row.image().toString(), e.getMessage());
                    continue;
                }
                written++;
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("samples", written);
        summary.put("shards", writer.shards().size());
        summary.put("skipped", skips.snapshot());
        summary.put("output", shards.output.toString());
        System.out.println(json.writeValueAsString(summary));
        return 0;
    }

    private static boolean decodes(byte[] image, SkipCounter skips, String where, Path path) {
        try {
            ImageDecoder.decodeImage(image);
            return true;
        } catch (ImageTooLargeException e) {
            skips.skip(SkipReason.IMAGE_TOO_LARGE, where, path.toString(), e.getMessage());
            return false;
        } catch (ImageDecodeException e) {
            skips.skip(e.unsupported() ? SkipReason.UNSUPPORTED_IMAGE : SkipReason.CORRUPT_IMAGE, where, path.toString(), e.getMessage());
            return false;
        }
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
