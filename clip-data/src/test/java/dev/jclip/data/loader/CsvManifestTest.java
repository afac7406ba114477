package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvManifestTest {
    @TempDir
    Path dir;

    @Test
    void parsesQuotedFieldsAndResolvesPathsAgainstTheManifest() throws Exception {
        Files.createDirectories(dir.resolve("img"));
        String tsv = "filepath\ttitle\textra\n"
                + "img/a.png\ta plain caption\tx\n"
                + "\"img/b.png\"\t\"a caption with a \"\"quote\"\", a\ttab and\na newline\"\ty\r\n"
                + "\n"
                + "/abs/c.png\t  spaced  \tz\n";
        Path m = dir.resolve("pairs.tsv");
        Files.writeString(m, tsv);
        CsvManifest man = CsvManifest.read(m, '\t', "filepath", "title");
        List<CsvManifest.Row> rows = man.rows();
        assertEquals(3, rows.size());
        assertEquals(dir.resolve("img/a.png"), rows.get(0).image());
        assertEquals("a plain caption", rows.get(0).caption());
        assertEquals("a caption with a \"quote\", a\ttab and\na newline", rows.get(1).caption());
        assertEquals(3, rows.get(1).line());
        assertEquals(Path.of("/abs/c.png"), rows.get(2).image());
        assertEquals("spaced", rows.get(2).caption());
        assertEquals(6, rows.get(2).line(), "line numbers count the newline inside quotes and the blank line");
    }

    @Test
    void missingColumnNamesFileAndColumn() throws Exception {
        Path m = dir.resolve("x.csv");
        Files.writeString(m, "path,caption\na.png,hi\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvManifest.read(m, ',', "filepath", "caption"));
        assertTrue(e.getMessage().contains("x.csv") && e.getMessage().contains("'filepath'"), e.getMessage());
        assertEquals("hi", CsvManifest.read(m, ',', "path", "caption").rows().get(0).caption());
    }

    @Test
    void badRowsAreSkippedByReasonAndGoodOnesLoad() throws Exception {
        Files.write(dir.resolve("a.png"), Fixtures.png(10, 8, 1));
        Files.write(dir.resolve("b.png"), Fixtures.png(6, 12, 2));
        Files.write(dir.resolve("bad.png"), "not a png".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        csv.writeBytes("filepath,title\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("a.png,first\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("b.png,\"second, with comma\"\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("gone.png,missing file\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("a.png,\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("lonely.png\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes(new byte[] {'a', '.', 'p', 'n', 'g', ',', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        csv.writeBytes("bad.png,corrupt\n".getBytes(StandardCharsets.UTF_8));
        csv.writeBytes("b.png,caf\u00e9 is fine in UTF-8\n".getBytes(StandardCharsets.UTF_8));
        Path m = dir.resolve("pairs.csv");
        Files.write(m, csv.toByteArray());
        CsvManifestSource src = new CsvManifestSource(CsvManifest.read(m, ',', "filepath", "title"));
        assertEquals(8L, src.knownSize());
        LoaderConfig cfg = LoaderConfig.builder(2).imageSize(8).contextLength(8).workers(2).train(false).dropLast(false).build();
        List<String> captions = new ArrayList<>();
        try (DataLoader l = DataLoader.open(src, new WordTokenizer(), cfg, LoaderPosition.start(0))) {
            for (Batch b = l.next(); b != null; b = l.next()) captions.addAll(b.captions());
            Map<String, Long> expected = new TreeMap<>(Map.of(SkipReason.MISSING_IMAGE, 1L, SkipReason.MISSING_CAPTION, 1L,
                    SkipReason.BAD_MANIFEST_ROW, 1L, SkipReason.CAPTION_NOT_UTF8, 1L, SkipReason.CORRUPT_IMAGE, 1L));
            assertEquals(expected, l.skips().snapshot());
            assertEquals(1, l.shardsOpened());
            assertNull(l.next());
        }
        assertEquals(List.of("first", "second, with comma", "caf\u00e9 is fine in UTF-8"), captions);
    }
}
