package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ClipTokenizerTest {
    static ClipTokenizer tok;

    @BeforeAll
    static void load() {
        tok = ClipTokenizer.openai();
    }

    @Test
    void rowHasStartIdsEndAndPadding() {
        int[] row = tok.tokenize("a photo of a cat", 10, false);
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 49407, 0, 0, 0}, row);
    }

    @Test
    void tooLongIsAnErrorNamingTheText() {
        String text = "cat ".repeat(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.tokenize(List.of("short", text), 77, false));
        assertTrue(e.getMessage().contains("cat cat cat"), e.getMessage());
        assertTrue(e.getMessage().contains("77"), e.getMessage());
        // exactly 75 ids fit, 76 do not
        tok.tokenize("a ".repeat(75), 77, false);
        assertThrows(IllegalArgumentException.class, () -> tok.tokenize("a ".repeat(76), 77, false));
    }

    @Test
    void truncatedRowEndsWithEndToken() {
        int[] row = tok.tokenize("cat ".repeat(100), 77, true);
        assertEquals(77, row.length);
        assertEquals(49406, row[0]);
        assertEquals(49407, row[76]);
        for (int i = 1; i < 76; i++) assertEquals(2368, row[i]);
        // truncation keeps the first ids of the full encoding
        int[] full = tok.encode("the quick brown fox ".repeat(30));
        int[] cut = tok.tokenize("the quick brown fox ".repeat(30), 20, true);
        for (int i = 1; i < 19; i++) assertEquals(full[i - 1], cut[i]);
        assertEquals(49407, cut[19]);
    }

    /**
     * CPU time of this thread: the build machine is shared, and wall time there measures waiting for a core
     * (load averages above 10 on 2 cores are common), not the algorithm.
     */
    private static double cpuSeconds(Runnable r) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        r.run();
        return (mx.getCurrentThreadCpuTime() - t0) / 1e9;
    }

    @Test
    void hostileInputsTakeMilliseconds() {
        // Time compiled code, as in a running loader, not the first pass through the interpreter.
        for (String warm : new String[] {"a", "!", "&amp;", "😀", "ﬁ", "é", "ab"}) {
            for (int k = 0; k < 3; k++) tok.encode(warm.repeat(20_000 + k));
        }
        String[] hostile = {"a".repeat(1 << 20), "!".repeat(1 << 20), "7".repeat(1 << 20), "ab".repeat(1 << 19),
                "&amp;".repeat(1 << 18), "😀".repeat(1 << 18), "'s".repeat(1 << 19), "ﬁ".repeat(1 << 20)};
        for (String h : hostile) {
            int[][] row = new int[1][];
            double s = cpuSeconds(() -> row[0] = tok.tokenize(h, 77, true));
            assertEquals(49407, row[0][76]);
            assertTrue(s < 2.0, h.substring(0, 4) + "... took " + s + " s");
        }
        int[][] all = new int[1][];
        double s = cpuSeconds(() -> all[0] = tok.encode("a".repeat(1 << 20)));
        assertTrue(s < 2.0, "full encode of 1 MiB took " + s + " s");
        assertTrue(all[0].length > 1000 && all[0].length < (1 << 20));
        assertEquals("a".repeat(1 << 20), tok.decode(all[0]));
        s = cpuSeconds(() -> assertThrows(IllegalArgumentException.class, () -> tok.tokenize("a".repeat(1 << 20), 77, false)));
        assertTrue(s < 2.0, "rejecting 1 MiB took " + s + " s");
    }

    @Test
    void parallelEqualsSequential() throws Exception {
        List<String> captions = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(7);
        String[] words = {"a", "photo", "of", "the", "dog", "café", "Ünïcödé", "😀", "3.14", "it's", "&amp;", "猫", "ﬁne", "Straße"};
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 1 + rnd.nextInt(12); k++) sb.append(words[rnd.nextInt(words.length)]).append(rnd.nextBoolean() ? " " : "");
            captions.add(sb.toString() + i);
        }
        ClipTokenizer fresh = ClipTokenizer.of(BpeVocabulary.openai());
        int[][] sequential = fresh.tokenize(captions, 77, true);
        ClipTokenizer shared = ClipTokenizer.openai();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[][]>> parts = new ArrayList<>();
            for (int t = 0; t < 4; t++) parts.add(pool.submit(() -> shared.tokenize(captions, 77, true)));
            for (Future<int[][]> f : parts) {
                int[][] got = f.get();
                for (int i = 0; i < captions.size(); i++) assertArrayEquals(sequential[i], got[i], captions.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void decodeSkipsSpecialsAndPadding() {
        int[] row = tok.tokenize("A photo of a CAT, it's 3.14!", 77, false);
        assertEquals("a photo of a cat , it 's 3 . 1 4 !", tok.decode(row));
        assertEquals("", tok.decode(tok.tokenize("", 77, false)));
    }

    @Test
    void specialTokensInTextMapToSpecialIds() {
        assertArrayEquals(new int[] {49407}, tok.encode("<|endoftext|>"));
        assertArrayEquals(new int[] {49406}, tok.encode("<|StartOfText|>"));
    }

    @Test
    void ndArrayFormHasTheRowsAndType() {
        List<String> texts = List.of("a photo of a cat", "a photo of a dog");
        int[][] rows = tok.tokenize(texts);
        for (DataType type : new DataType[] {DataType.INT32, DataType.INT64}) {
            INDArray a = tok.tokenizeToArray(texts, 77, false, type);
            assertEquals(type, a.dataType());
            assertArrayEquals(new long[] {2, 77}, a.shape());
            for (int i = 0; i < 2; i++) for (int j = 0; j < 77; j++) assertEquals(rows[i][j], a.getLong(i, j));
        }
        assertThrows(IllegalArgumentException.class, () -> tok.tokenizeToArray(texts, 77, false, DataType.FLOAT));
    }
}
