package dev.jclip.data.loader;

import dev.jclip.data.table.DelimitedTable;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image-caption manifest as open_clip's CsvDataset reads it: a header row naming the columns, one sample per
 * row, a configurable single-character separator (open_clip's default is tab), read by {@link DelimitedTable}
 * (RFC 4180 quoting). Image paths are relative to the manifest's folder unless absolute. A row that cannot be
 * used is kept with the reason, so the loader can count and report it.
 */
public final class CsvManifest {
    /** open_clip's default image column. */
    public static final String DEFAULT_IMAGE_COLUMN = "filepath";
    /** open_clip's default caption column. */
    public static final String DEFAULT_CAPTION_COLUMN = "title";

    /**
     * One data row. When {@code skipReason} is non-null the row is unusable and {@code detail} says why.
     *
     * @param line 1-based line number where the row starts
     */
    public record Row(int line, Path image, String caption, String skipReason, String detail) {
    }

    private final Path file;
    private final List<Row> rows;

    private CsvManifest(Path file, List<Row> rows) {
        this.file = file;
        this.rows = rows;
    }

    public Path file() {
        return file;
    }

    public List<Row> rows() {
        return rows;
    }

    /**
     * Reads the manifest.
     *
     * @throws IOException              when the file cannot be read or its quoting is broken (naming file and line)
     * @throws IllegalArgumentException naming the file and column when a configured column is missing
     */
    public static CsvManifest read(Path file, char separator, String imageColumn, String captionColumn) throws IOException {
        DelimitedTable table = DelimitedTable.read(file, separator);
        int imageIdx = table.column("image", imageColumn);
        int captionIdx = table.column("caption", captionColumn);
        int need = Math.max(imageIdx, captionIdx) + 1;
        Path base = file.toAbsolutePath().getParent();
        List<Row> rows = new ArrayList<>();
        for (DelimitedTable.Row rec : table.rows()) {
            int line = rec.line();
            if (rec.size() < need) {
                rows.add(new Row(line, null, null, SkipReason.BAD_MANIFEST_ROW, rec.size() + " fields, need " + need));
                continue;
            }
            String path;
            try {
                path = rec.field(imageIdx).strip();
            } catch (CharacterCodingException e) {
                rows.add(new Row(line, null, null, SkipReason.BAD_MANIFEST_ROW, "image path is not UTF-8"));
                continue;
            }
            if (path.isEmpty()) {
                rows.add(new Row(line, null, null, SkipReason.MISSING_IMAGE, "empty image path"));
                continue;
            }
            Path image = base.resolve(path);
            Captions.Result c;
            try {
                c = Captions.nonBlank(rec.field(captionIdx));
            } catch (CharacterCodingException e) {
                c = new Captions.Result(null, SkipReason.CAPTION_NOT_UTF8, "caption is not UTF-8");
            }
            rows.add(new Row(line, image, c.caption(), c.skipReason(), c.detail()));
        }
        return new CsvManifest(file, rows);
    }
}
