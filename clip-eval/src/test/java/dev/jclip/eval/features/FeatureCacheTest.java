package dev.jclip.eval.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void npyRoundTripAndHeaderLayout() throws IOException {
        float[][] x = {{1.5f, -2f, 3.25f}, {0f, Float.MIN_VALUE, 1e30f}};
        Path p = dir.resolve("a.npy");
        NpyFile.write(p, x);
        float[][] y = NpyFile.read(p);
        for (int i = 0; i < 2; i++) assertArrayEquals(x[i], y[i]);
        byte[] bytes = Files.readAllBytes(p);
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + headerLen) % 64, "data starts on a 64-byte boundary as NumPy requires");
        assertEquals(10 + headerLen + 4 * 6, bytes.length);
        Files.write(dir.resolve("bad.npy"), new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> NpyFile.read(dir.resolve("bad.npy")));
        assertTrue(e.getMessage().contains("bad.npy"));
    }

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
