package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class SkipCounterTest {
    @Test
    void countsExactlyUnderConcurrencyAndSnapshotsSorted() throws Exception {
        SkipCounter c = new SkipCounter();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int id = t;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 2000; i++) c.skip(i % 2 == 0 ? "b_reason" : "a_reason", "shard-" + id, "k" + i, null);
            }));
        }
        for (Future<?> f : fs) f.get();
        pool.shutdown();
        assertEquals(Map.of("a_reason", 4000L, "b_reason", 4000L), c.snapshot());
        assertEquals(List.of("a_reason", "b_reason"), List.copyOf(c.snapshot().keySet()));
        assertEquals(8000, c.total());
        assertEquals(0, c.count("never"));
    }
}
