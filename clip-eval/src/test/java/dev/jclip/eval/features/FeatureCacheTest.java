package dev.jclip.eval.features;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureCacheTest {
    @TempDir
    Path dir;

    @Test
    void computesOncePerKey() throws IOException {
        FeatureCache cache = new FeatureCache(dir.resolve("c"));
        AtomicInteger calls = new AtomicInteger();
        FeatureCache.Compute f = () -> new float[][] {{calls.incrementAndGet(), 2}};
        assertEquals(1f, cache.getOrCompute("k1", f)[0][0]);
        assertEquals(1f, cache.getOrCompute("k1", f)[0][0]);
        assertEquals(2f, cache.getOrCompute("k2", f)[0][0]);
        assertEquals(2, calls.get());
        // A key file that does not match (a hash collision or a hand edit) forces a recompute.
        Path keyFile = dir.resolve("c").resolve(FeatureCache.sha256("k1") + ".key");
        Files.writeString(keyFile, "other");
        assertEquals(3f, cache.getOrCompute("k1", f)[0][0]);
    }
}
