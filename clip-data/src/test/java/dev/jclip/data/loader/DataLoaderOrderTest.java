package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.data.synth.SyntheticShapes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Order, determinism, resume and shutdown of the loader on 60 synthetic samples in 4 shards. */
class DataLoaderOrderTest {
    @TempDir
    static Path dir;
    static String spec;

    @BeforeAll
    static void shards() throws Exception {
        new SyntheticShapes(32, 5).writeShards(dir, "shard", 60, 15, "png");
        spec = dir + "/shard-{00000..00003}.tar";
    }

    private static LoaderConfig.Builder cfg(int workers) {
        return LoaderConfig.builder(8).imageSize(24).contextLength(10).workers(workers).seed(42).shuffleBuffer(20);
    }

    /** Keys, images and tokens of every batch, flattened for comparison. */
    record Run(List<List<String>> keys, List<float[]> images, List<int[]> tokens, List<LoaderPosition> positions) {
    }

    static Run run(String spec, boolean resampled, LoaderConfig cfg, LoaderPosition start) {
        Run r = new Run(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        try (DataLoader l = DataLoader.open(WebDatasetSource.of(spec, resampled), new WordTokenizer(), cfg, start)) {
            for (Batch b = l.next(); b != null; b = l.next()) {
                r.keys.add(b.keys());
                r.images.add(b.images().data().asFloat());
                r.tokens.add(b.tokens().data().asInt());
                r.positions.add(b.next());
            }
        }
        return r;
    }

    private static void assertSameBatches(Run a, Run b, int fromA) {
        assertEquals(a.keys.subList(fromA, a.keys.size()), b.keys);
        for (int i = 0; i < b.images.size(); i++) {
            assertArrayEquals(a.images.get(fromA + i), b.images.get(i), 0f, "images of batch " + (fromA + i));
            assertArrayEquals(a.tokens.get(fromA + i), b.tokens.get(i), "tokens of batch " + (fromA + i));
        }
    }

    @Test
    void sameSeedAndEpochGiveTheSameBatchesWhateverTheWorkerCount() {
        Run one = run(spec, false, cfg(1).build(), LoaderPosition.start(0));
        Run three = run(spec, false, cfg(3).build(), LoaderPosition.start(0));
        assertEquals(7, one.keys.size()); // 60 samples, batches of 8, last partial dropped
        assertSameBatches(one, three, 0);
    }

    @Test
    void differentEpochsOrSeedsShuffleDifferently() {
        Run e0 = run(spec, false, cfg(2).build(), LoaderPosition.start(0));
        Run e1 = run(spec, false, cfg(2).build(), LoaderPosition.start(1));
        Run s7 = run(spec, false, cfg(2).seed(7).build(), LoaderPosition.start(0));
        assertNotEquals(e0.keys, e1.keys);
        assertNotEquals(e0.keys, s7.keys);
        // the same samples, just reordered: a full epoch without dropping covers all 60 once
        Run all = run(spec, false, cfg(2).dropLast(false).build(), LoaderPosition.start(1));
        Set<String> seen = new HashSet<>();
        int n = 0;
        for (List<String> k : all.keys) {
            seen.addAll(k);
            n += k.size();
        }
        assertEquals(60, n);
        assertEquals(60, seen.size());
        // the shuffle crosses shard boundaries: the first batch is not all from one shard
        Set<String> firstShardKeys = new HashSet<>();
        for (String k : e0.keys.get(0)) firstShardKeys.add(String.valueOf(Integer.parseInt(k) / 15));
        assertTrue(firstShardKeys.size() > 1, "first batch " + e0.keys.get(0));
    }

    @Test
    void evaluationIgnoresTheEpoch() {
        LoaderConfig eval = cfg(2).train(false).build();
        Run a = run(spec, false, eval, LoaderPosition.start(0));
        Run b = run(spec, false, eval, LoaderPosition.start(3));
        assertEquals(a.keys, b.keys, "evaluation order ignores the epoch");
        assertSameBatches(a, b, 0);
    }

    @Test
    void resumingFromASavedPositionGivesTheSameRemainingBatches() {
        LoaderConfig cfg = cfg(2).build();
        Run full = run(spec, false, cfg, LoaderPosition.start(2));
        for (int k : new int[] {0, 2, 5}) {
            LoaderPosition saved = LoaderPosition.fromJson(full.positions.get(k).toJson());
            assertEquals(full.positions.get(k), saved);
            Run rest = run(spec, false, cfg(3).build(), saved);
            assertEquals(full.keys.size() - k - 1, rest.keys.size());
            assertSameBatches(full, rest, k + 1);
        }
    }

    @Test
    void resumingPastBadSamplesGivesTheSameRemainingBatches(@TempDir Path broken) throws Exception {
        Fixtures f = Fixtures.broken(broken);
        LoaderConfig cfg = LoaderConfig.builder(3).imageSize(12).contextLength(8).workers(2).seed(9).shuffleBuffer(6).dropLast(false).build();
        Run full = run(f.spec, false, cfg, LoaderPosition.start(0));
        LoaderPosition mid = full.positions.get(3);
        assertTrue(mid.rawSamples() > 12, "bad samples were consumed too: " + mid);
        assertSameBatches(full, run(f.spec, false, cfg, mid), 4);
    }

    @Test
    void resampledDrawsShardsWithReplacementForAFixedNumberOfBatches() {
        LoaderConfig cfg = cfg(2).batchesPerEpoch(10).build();
        Run a = run(spec, true, cfg, LoaderPosition.start(0));
        assertEquals(10, a.keys.size());
        assertSameBatches(a, run(spec, true, cfg, LoaderPosition.start(0)), 0);
        // as in open_clip, each worker draws its own shard sequence: another worker count, other batches
        assertNotEquals(a.keys, run(spec, true, cfg(1).batchesPerEpoch(10).build(), LoaderPosition.start(0)).keys);
        List<String> all = new ArrayList<>();
        a.keys.forEach(all::addAll);
        assertTrue(new HashSet<>(all).size() < all.size(), "80 draws from 60 samples must repeat some");
        assertNotEquals(a.keys, run(spec, true, cfg, LoaderPosition.start(1)).keys);
        assertSameBatches(a, run(spec, true, cfg, a.positions.get(4)), 5);
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.open(WebDatasetSource.of(spec, true), new WordTokenizer(), cfg(1).build(), LoaderPosition.start(0)));
    }

    @Test
    void prefetchedBatchesAreReadyForASlowConsumer() throws Exception {
        try (DataLoader l = DataLoader.open(WebDatasetSource.of(spec, false), new WordTokenizer(), cfg(2).prefetchBatches(2).build(), LoaderPosition.start(0))) {
            l.next();
            long firstWait = l.dataWaitNanos();
            Thread.sleep(500); // the "training step": the loader fills its queue meanwhile
            l.next();
            l.next();
            assertTrue(l.lastWaitNanos() < 50_000_000L, "waited " + l.lastWaitNanos() / 1e6 + " ms for a prefetched batch");
            assertTrue(l.dataWaitNanos() >= firstWait);
        }
    }

    @Test
    void closeStopsEveryThreadEvenMidEpoch() throws Exception {
        DataLoader l = DataLoader.open(WebDatasetSource.of(spec, true), new WordTokenizer(), cfg(3).batchesPerEpoch(1000).prefetchBatches(1).build(), LoaderPosition.start(0));
        l.next();
        l.close();
        l.close(); // idempotent
        Thread.sleep(50);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("jclip-data-") && t.isAlive(), "still running: " + t.getName());
        }
        assertThrows(IllegalStateException.class, l::next);
    }
}
