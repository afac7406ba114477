package dev.jclip.data.table;

import dev.jclip.core.io.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one reader of delimited text (CSV, TSV) in jclip: a header row, then one record per row, a single-character
 * separator, RFC 4180 quoting whatever the separator (a field that starts with a double quote runs to the closing
 * quote and may hold separators, newlines and doubled quotes; a quote inside an unquoted field is an ordinary
 * character, as in Python's csv module and pandas). Blank lines are skipped. A row longer than
 * {@link Limits#LINE_CHARS} is refused. Errors name the file and line.
 *
 * <p>Fields are split on bytes, which is safe for UTF-8 (no byte of a multi-byte sequence is ASCII), and decoded
 * one by one and strictly, so a caption in another encoding spoils only its own row.
 *
 * @param header the header's names, stripped
 * @param rows   the data rows, in file order
 */
public record DelimitedTable(Path file, List<String> header, List<Row> rows) {
    /**
     * One record.
     *
     * @param line the line it starts on (1-based; a newline inside quotes counts)
     */
    public record Row(Path file, int line, List<byte[]> fields) {
        public int size() {
            return fields.size();
        }

        /** Field {@code i} decoded as strict UTF-8. */
        public String field(int i) throws CharacterCodingException {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(fields.get(i))).toString();
        }

        /** Field {@code i}, stripped; an error naming the file and line when the row is too short or not UTF-8. */
        public String text(int i) throws IOException {
            if (i >= fields.size()) throw new IOException(file + ":" + line + ": " + fields.size() + " fields, need " + (i + 1));
            try {
                return field(i).strip();
            } catch (CharacterCodingException e) {
                throw new IOException(file + ":" + line + ": field " + (i + 1) + " is not UTF-8", e);
            }
        }
    }

    /** Reads {@code file} with a tab separator when its name ends in {@code .tsv}, a comma otherwise. */
    public static DelimitedTable read(Path file) throws IOException {
        boolean tsv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsv");
        return read(file, tsv ? '\t' : ',');
    }

    public static DelimitedTable read(Path file, char separator) throws IOException {
        if (separator == '"' || separator == '\n' || separator == '\r' || separator > 127) {
            throw new IllegalArgumentException("separator must be one ASCII character other than a quote or newline, got '" + separator + "'");
        }
        List<Row> all = parse(file, Files.readAllBytes(file), (byte) separator);
        if (all.isEmpty()) throw new IOException(file + ": empty (a header row is required)");
        List<String> header = new ArrayList<>();
        for (int i = 0; i < all.get(0).size(); i++) header.add(all.get(0).text(i));
        return new DelimitedTable(file, List.copyOf(header), List.copyOf(all.subList(1, all.size())));
    }

    /**
     * Index of the first of {@code candidates} that the header names (ignoring case); an error naming the file,
     * the candidates and the header when none does.
     */
    public int column(String what, String... candidates) {
        for (String c : candidates) {
            for (int i = 0; i < header.size(); i++) {
                if (header.get(i).equalsIgnoreCase(c)) return i;
            }
        }
        throw new IllegalArgumentException(file + ": no " + what + " column; the header must name one of '"
                + String.join("', '", candidates) + "' (found: " + String.join(", ", header) + ")");
    }

    private static List<Row> parse(Path file, byte[] b, byte sep) throws IOException {
        long maxRow = Limits.LINE_CHARS.get();
        List<Row> rows = new ArrayList<>();
        int n = b.length;
        int i = n >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF ? 3 : 0; // BOM
        int line = 1;
        while (i < n) {
            int startLine = line;
            int rowStart = i;
            List<byte[]> fields = new ArrayList<>();
            ByteArrayOutputStream field = new ByteArrayOutputStream();
            boolean fieldStart = true;
            boolean afterClosingQuote = false;
            boolean ended = false;
            while (i < n && !ended) {
                checkRowLength(file, startLine, i - rowStart, maxRow);
                byte c = b[i++];
                if (c == sep) {
                    fields.add(field.toByteArray());
                    field.reset();
                    fieldStart = true;
                    afterClosingQuote = false;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i < n && b[i] == '\n') i++;
                    line++;
                    ended = true;
                } else if (afterClosingQuote) {
                    throw new IOException(file + ":" + line + ": text after a closing quote (a quote inside a quoted field is written \"\")");
                } else if (c == '"' && fieldStart) {
                    int opened = line;
                    while (true) {
                        if (i >= n) throw new IOException(file + ":" + opened + ": quoted field not closed before the end of the file");
                        checkRowLength(file, startLine, i - rowStart, maxRow);
                        byte q = b[i++];
                        if (q == '"') {
                            if (i < n && b[i] == '"') {
                                field.write('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            if (q == '\n') line++;
                            field.write(q);
                        }
                    }
                    fieldStart = false;
                    afterClosingQuote = true;
                } else {
                    field.write(c);
                    fieldStart = false;
                }
            }
            fields.add(field.toByteArray());
            if (fields.size() == 1 && fields.get(0).length == 0 && !afterClosingQuote) continue; // blank line
            rows.add(new Row(file, startLine, fields));
        }
        return rows;
    }

    /** Bounded work and memory: an unterminated quote would otherwise swallow the rest of the file into one row. */
    private static void checkRowLength(Path file, int line, long length, long max) {
        if (length > max) {
            throw new IllegalArgumentException(file + " line " + line + ": reading the row: " + Limits.LINE_CHARS.explain(length)
                    + " (an unterminated quote?)");
        }
    }
}
