package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A CSV (RFC 4180: comma separated, double-quoted fields may hold commas, quotes as "" and newlines) or TSV
 * (tab separated, no quoting) file with a header row. Rows remember their line number for error messages.
 */
public final class DelimitedTable {
    /** One data row and the line it starts on (1-based). */
    public record Row(int line, List<String> fields) {
    }

    private final Path file;
    private final List<String> header;
    private final List<Row> rows;

    private DelimitedTable(Path file, List<String> header, List<Row> rows) {
        this.file = file;
        this.header = header;
        this.rows = rows;
    }

    /** Reads the file; TSV when the name ends in .tsv, CSV otherwise. */
    public static DelimitedTable read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        boolean tsv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tsv");
        List<Row> all = tsv ? splitTsv(text) : parseCsv(text, file);
        if (all.isEmpty()) throw new IOException(file + ": empty (a header row is required)");
        List<String> header = all.get(0).fields().stream().map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
        List<Row> rows = new ArrayList<>();
        for (Row r : all.subList(1, all.size())) {
            if (r.fields().size() == 1 && r.fields().get(0).isBlank()) continue;
            if (r.fields().size() != header.size()) {
                throw new IOException(file + ":" + r.line() + ": " + r.fields().size() + " fields, header has " + header.size());
            }
            rows.add(r);
        }
        return new DelimitedTable(file, header, rows);
    }

    public Path file() {
        return file;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Index of the first header name among {@code candidates}; an error naming the file and candidates if none. */
    public int column(String what, String... candidates) throws IOException {
        for (String c : candidates) {
            int i = header.indexOf(c);
            if (i >= 0) return i;
        }
        throw new IOException(file + ": no " + what + " column; the header must name one of " + String.join(", ", candidates)
                + " (found: " + String.join(", ", header) + ")");
    }

    private static List<Row> splitTsv(String text) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i == lines.length - 1 && lines[i].isEmpty()) break;
            rows.add(new Row(i + 1, List.of(lines[i].split("\t", -1))));
        }
        return rows;
    }

    private static List<Row> parseCsv(String text, Path file) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1;
        int rowStart = 1;
        boolean quoted = false;
        boolean fieldWasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') line++;
                    field.append(ch);
                }
            } else if (ch == '"') {
                if (field.length() > 0 || fieldWasQuoted) throw new IOException(file + ":" + line + ": stray quote inside an unquoted field");
                quoted = true;
                fieldWasQuoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
                fieldWasQuoted = false;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                fields.add(field.toString());
                rows.add(new Row(rowStart, List.copyOf(fields)));
                fields.clear();
                field.setLength(0);
                fieldWasQuoted = false;
                line++;
                rowStart = line;
            } else {
                field.append(ch);
            }
        }
        if (quoted) throw new IOException(file + ":" + rowStart + ": quoted field not closed before end of file");
        if (field.length() > 0 || !fields.isEmpty() || fieldWasQuoted) {
            fields.add(field.toString());
            rows.add(new Row(rowStart, List.copyOf(fields)));
        }
        return rows;
    }
}
