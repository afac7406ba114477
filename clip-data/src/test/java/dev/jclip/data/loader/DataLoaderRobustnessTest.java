package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class DataLoaderRobustnessTest {
    @TempDir
    Path dir;

    private static List<Batch> drain(DataLoader l) {
        List<Batch> out = new ArrayList<>();
        for (Batch b = l.next(); b != null; b = l.next()) out.add(b);
        return out;
    }

    @Test
    void brokenDataIsSkippedAndCountedAndEveryGoodSampleArrivesOnce() throws Exception {
        Fixtures f = Fixtures.broken(dir);
        for (boolean train : new boolean[] {true, false}) {
            LoaderConfig cfg = LoaderConfig.builder(4).imageSize(16).contextLength(12).workers(3).train(train)
                    .shuffleBuffer(7).dropLast(false).seed(11).build();
            try (DataLoader l = DataLoader.open(WebDatasetSource.of(f.spec, false), new WordTokenizer(), cfg, LoaderPosition.start(0))) {
                List<Batch> batches = drain(l);
                List<String> keys = new ArrayList<>();
                for (Batch b : batches) {
                    keys.addAll(b.keys());
                    assertArrayEquals(new long[] {b.size(), 3, 16, 16}, b.images().shape());
                    assertArrayEquals(new long[] {b.size(), 12}, b.tokens().shape());
                    assertEquals(DataType.FLOAT, b.images().dataType());
                    assertEquals(DataType.INT, b.tokens().dataType());
                }
                assertEquals(f.goodKeys.size(), keys.size(), "every good sample exactly once: " + keys);
                assertEquals(new HashSet<>(f.goodKeys), new HashSet<>(keys));
                assertEquals(f.expectedSkips, l.skips().snapshot());
                assertEquals(4, l.shardsOpened(), "three shards and garbage.tar open; two are missing");
                assertEquals(f.goodKeys.size(), l.samplesDelivered());
                assertEquals(7, batches.size()); // 25 samples in batches of 4, the last partial
                if (!train) assertEquals(f.goodKeys, keys, "evaluation keeps the spec's order");
                assertNull(l.next());
            }
        }
    }

    @Test
    void captionsComeFromTxtOrJsonAndOriginalSizesAreReported() throws Exception {
        Fixtures f = Fixtures.broken(dir);
        LoaderConfig cfg = LoaderConfig.builder(64).imageSize(8).contextLength(8).workers(2).train(false).dropLast(false).build();
        try (DataLoader l = DataLoader.open(WebDatasetSource.of(f.spec, false), new WordTokenizer(), cfg, LoaderPosition.start(0))) {
            Batch b = l.next();
            int json = b.keys().indexOf("jsoncap");
            assertEquals("from json", b.captions().get(json));
            int a3 = b.keys().indexOf("a3");
            assertEquals("caption number 3", b.captions().get(a3));
            assertEquals(23, b.widths()[a3]);
            assertEquals(17, b.heights()[a3]);
            int b1 = b.keys().indexOf("b1");
            assertEquals("jpeg sample 1", b.captions().get(b1), "txt is stripped of its newline");
            assertEquals(25, b.heights()[b1]);
            int[] row = b.tokens().getRow(a3).toIntVector();
            assertArrayEquals(new WordTokenizer().tokenize("caption number 3", 8, true), row);
        }
    }

    @Test
    void dropLastDropsOnlyTheIncompleteBatch() throws Exception {
        Fixtures f = Fixtures.broken(dir);
        LoaderConfig cfg = LoaderConfig.builder(4).imageSize(8).contextLength(8).workers(2).train(true).seed(3).build();
        try (DataLoader l = DataLoader.open(WebDatasetSource.of(f.spec, false), new WordTokenizer(), cfg, LoaderPosition.start(0))) {
            List<Batch> batches = drain(l);
            assertEquals(6, batches.size());
            for (Batch b : batches) assertEquals(4, b.size());
            assertTrue(l.dataWaitNanos() > 0);
            assertEquals(Map.copyOf(f.expectedSkips), l.skips().snapshot());
        }
    }
}
