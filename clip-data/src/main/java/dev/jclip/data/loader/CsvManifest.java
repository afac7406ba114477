package dev.jclip.data.loader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An image-caption manifest as open_clip's CsvDataset reads it: a header row naming the columns, one sample per
 * row, a configurable single-character separator (open_clip's default is tab), RFC 4180 quoting (a field in
 * double quotes may hold separators, newlines and doubled quotes). Image paths are relative to the manifest's
 * folder unless absolute.
 *
 * <p>Parsing works on bytes, which is safe for UTF-8 because no byte of a multi-byte sequence is ASCII; each
 * field is then decoded strictly, so one caption in another encoding spoils only its own row.
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
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException naming the file and column when a configured column is missing
     */
    public static CsvManifest read(Path file, char separator, String imageColumn, String captionColumn) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<List<byte[]>> records = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        parse(file, bytes, (byte) separator, records, lines);
        if (records.isEmpty()) throw new IllegalArgumentException("manifest " + file + " is empty (no header row)");
        List<String> header = new ArrayList<>();
        for (byte[] f : records.get(0)) header.add(new String(f, java.nio.charset.StandardCharsets.UTF_8).strip());
        int imageIdx = header.indexOf(imageColumn);
        int captionIdx = header.indexOf(captionColumn);
        if (imageIdx < 0 || captionIdx < 0) {
            String missing = imageIdx < 0 ? imageColumn : captionColumn;
            throw new IllegalArgumentException("manifest " + file + " has no column '" + missing + "' (columns: "
                    + header + ", separator " + printable(separator) + ")");
        }
        Path base = file.toAbsolutePath().getParent();
        List<Row> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<byte[]> rec = records.get(r);
            int line = lines.get(r);
            if (rec.size() <= Math.max(imageIdx, captionIdx)) {
                rows.add(new Row(line, null, null, SkipReason.BAD_MANIFEST_ROW, rec.size() + " fields, need " + (Math.max(imageIdx, captionIdx) + 1)));
                continue;
            }
            String path;
            try {
                path = Captions.strictUtf8(rec.get(imageIdx)).strip();
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
                c = Captions.nonBlank(Captions.strictUtf8(rec.get(captionIdx)));
            } catch (CharacterCodingException e) {
                c = new Captions.Result(null, SkipReason.CAPTION_NOT_UTF8, "caption is not UTF-8");
            }
            rows.add(new Row(line, image, c.caption(), c.skipReason(), c.detail()));
        }
        return new CsvManifest(file, rows);
    }

    private static String printable(char c) {
        return c == '\t' ? "'\\t'" : "'" + c + "'";
    }

    /** Splits into records of fields; records that are entirely empty lines are dropped. */
    private static void parse(Path file, byte[] b, byte sep, List<List<byte[]>> records, List<Integer> lines) {
        long maxRow = dev.jclip.core.io.Limits.LINE_CHARS.get();
        int i = 0;
        int line = 1;
        int n = b.length;
        if (n >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF) i = 3; // BOM
        while (i < n) {
            int startLine = line;
            List<byte[]> rec = new ArrayList<>();
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            boolean quoted = false;
            boolean fieldStart = true;
            boolean recordEnded = false;
            int rowStart = i;
            while (i < n && !recordEnded) {
                if (i - rowStart > maxRow) { // bounded work and memory: an unterminated quote would swallow the file
                    throw new IllegalArgumentException("manifest " + file + " line " + startLine + ": reading the row: "
                            + dev.jclip.core.io.Limits.LINE_CHARS.explain(i - rowStart) + " (an unterminated quote?)");
                }
                byte c = b[i++];
                if (quoted) {
                    if (c == '"') {
                        if (i < n && b[i] == '"') {
                            field.write('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        if (c == '\n') line++;
                        field.write(c);
                    }
                } else if (c == '"' && fieldStart) {
                    quoted = true;
                    fieldStart = false;
                } else if (c == sep) {
                    rec.add(field.toByteArray());
                    field.reset();
                    fieldStart = true;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i < n && b[i] == '\n') i++;
                    line++;
                    recordEnded = true;
                } else {
                    field.write(c);
                    fieldStart = false;
                }
            }
            rec.add(field.toByteArray());
            if (rec.size() == 1 && rec.get(0).length == 0) continue; // blank line
            records.add(rec);
            lines.add(startLine);
        }
    }
}
