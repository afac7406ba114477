package dev.jclip.train.bench;

import dev.jclip.train.dist.LocalCollective;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's sizes, repetitions and bandwidth arithmetic, in a world of one (MpiCollectiveTest runs it under MPI). */
class CollectiveBenchmarkTest {
    @Test
    void sizesGrowFourfoldAndBandwidthIsBytesOverTime() {
        List<CollectiveBenchmark.Row> rows = CollectiveBenchmark.run(new LocalCollective(), 4096, 65536);
        assertEquals(6, rows.size());
        long[] sizes = {4096, 4096, 16384, 16384, 65536, 65536};
        for (int i = 0; i < rows.size(); i++) {
            CollectiveBenchmark.Row r = rows.get(i);
            assertEquals(i % 2 == 0 ? "all-reduce" : "all-gather", r.op());
            assertEquals(sizes[i], r.bytes());
            assertEquals(CollectiveBenchmark.iterations(sizes[i]), r.iterations());
            assertTrue(r.seconds() > 0);
            assertEquals(r.bytes() / r.seconds() / 1e9, r.algorithmGBs(), 1e-9 * r.algorithmGBs());
            assertEquals(0.0, r.busGBs(), "a world of one moves nothing between ranks");
        }
    }

    @Test
    void repetitionsMoveAbout512MegabytesWithinBounds() {
        assertEquals(200, CollectiveBenchmark.iterations(4096));
        assertEquals(128, CollectiveBenchmark.iterations(4 << 20));
        assertEquals(3, CollectiveBenchmark.iterations(256 << 20));
    }

    @Test
    void badRangesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CollectiveBenchmark.run(new LocalCollective(), 4096, 1024));
        assertThrows(IllegalArgumentException.class, () -> CollectiveBenchmark.run(new LocalCollective(), 2, 1024));
    }
}
