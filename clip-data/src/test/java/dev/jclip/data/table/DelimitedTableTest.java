package dev.jclip.data.table;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DelimitedTableTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void rfc4180QuotingInCsvAndTsvAlike() throws IOException {
        for (String sep : List.of(",", "\t")) {
            String text = "\uFEFFimage" + sep + "caption\r\n"
                    + "a.png" + sep + "\"one" + sep + " two\"\r\n"
                    + "\n"
                    + "\"b.png\"" + sep + "\"say \"\"hi\"\"\nover two lines\"\n"
                    + "c.png" + sep + "5\" tall\n"
                    + "d.png" + sep + "\"\"";
            DelimitedTable t = DelimitedTable.read(file(sep.equals(",") ? "x.csv" : "x.tsv", text));
            assertEquals(List.of("image", "caption"), t.header());
            assertEquals(4, t.rows().size());
            assertEquals("one" + sep + " two", t.rows().get(0).text(1));
            assertEquals("say \"hi\"\nover two lines", t.rows().get(1).text(1));
            assertEquals(List.of(2, 4, 6, 7), t.rows().stream().map(DelimitedTable.Row::line).toList(),
                    "line numbers count the blank line and the newline inside quotes");
            assertEquals("5\" tall", t.rows().get(2).text(1), "a quote inside an unquoted field is a character");
            assertEquals("", t.rows().get(3).text(1));
        }
    }

    @Test
    void brokenQuotingNamesFileAndLine() throws IOException {
        IOException open = assertThrows(IOException.class,
                () -> DelimitedTable.read(file("open.csv", "a,b\nx,y\nz,\"never closed\n\n")));
        assertTrue(open.getMessage().contains("open.csv:3") && open.getMessage().contains("not closed"), open.getMessage());
        IOException after = assertThrows(IOException.class,
                () -> DelimitedTable.read(file("after.csv", "a,b\nx,\"quoted\"tail\n")));
        assertTrue(after.getMessage().contains("after.csv:2") && after.getMessage().contains("closing quote"), after.getMessage());
        IOException empty = assertThrows(IOException.class, () -> DelimitedTable.read(file("empty.csv", "\n\n")));
        assertTrue(empty.getMessage().contains("empty.csv"), empty.getMessage());
    }

    @Test
    void shortRowsMissingColumnsAndBadEncodingAreNamed() throws IOException {
        Path p = dir.resolve("m.tsv");
        byte[] latin1 = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        byte[] head = "Path\tText\nonly-one-field\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = new byte[head.length + 6 + latin1.length + 1];
        System.arraycopy(head, 0, bad, 0, head.length);
        System.arraycopy("a.png\t".getBytes(StandardCharsets.UTF_8), 0, bad, head.length, 6);
        System.arraycopy(latin1, 0, bad, head.length + 6, latin1.length);
        bad[bad.length - 1] = '\n';
        Files.write(p, bad);
        DelimitedTable t = DelimitedTable.read(p);
        assertEquals(0, t.column("image", "image", "path"), "header names match ignoring case");
        IllegalArgumentException col = assertThrows(IllegalArgumentException.class, () -> t.column("label", "label", "class"));
        assertTrue(col.getMessage().contains("m.tsv") && col.getMessage().contains("'label', 'class'"), col.getMessage());
        IOException shortRow = assertThrows(IOException.class, () -> t.rows().get(0).text(1));
        assertTrue(shortRow.getMessage().contains("m.tsv:2") && shortRow.getMessage().contains("1 fields"), shortRow.getMessage());
        assertEquals("a.png", t.rows().get(1).text(0), "a bad field spoils only itself");
        assertThrows(CharacterCodingException.class, () -> t.rows().get(1).field(1));
        IOException enc = assertThrows(IOException.class, () -> t.rows().get(1).text(1));
        assertTrue(enc.getMessage().contains("m.tsv:3") && enc.getMessage().contains("UTF-8"), enc.getMessage());
    }
}
