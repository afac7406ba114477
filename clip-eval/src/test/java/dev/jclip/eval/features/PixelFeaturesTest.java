package dev.jclip.eval.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.data.image.AlphaBackground;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.DatasetView;
import dev.jclip.eval.data.LabelledImageDataset;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PixelFeaturesTest {
    @TempDir
    Path dir;

    LabelledImageDataset idx(int n) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("s-images-idx3-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(4);
            out.writeInt(4);
            for (int i = 0; i < n * 16; i++) out.write((i * 37) % 256);
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(dir.resolve("s-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int i = 0; i < n; i++) out.write(i % 3);
        }
        return DatasetSpec.open("idx:" + dir.resolve("s"), List.of("a", "b", "c"));
    }

    /** The raw-byte fast path and the decode path (any dataset type) give the same features. */
    @Test
    void idxFastPathEqualsDecodePath() throws IOException {
        LabelledImageDataset d = idx(12);
        float[][] fast = PixelFeatures.extract(d, 4, AlphaBackground.WHITE);
        LabelledImageDataset wrapped = new Wrapped(d);
        float[][] slow = PixelFeatures.extract(wrapped, 4, AlphaBackground.WHITE);
        assertEquals(16, fast[0].length);
        for (int i = 0; i < 12; i++) assertArrayEquals(fast[i], slow[i], 1e-6f);
        assertEquals(((5 * 16 + 3) * 37 % 256) / 255f, fast[5][3], 1e-7f);
        // Through a view: rows follow the view's indices.
        LabelledImageDataset[] split = DatasetView.stratifiedSplit(d, 0.25, 1);
        assertEquals(9, split[0].size());
        assertEquals(3, split[1].size());
        float[][] test = PixelFeatures.extract(split[1], 4, AlphaBackground.WHITE);
        for (int i = 0; i < 3; i++) assertArrayEquals(fast[((DatasetView) split[1]).baseIndex(i)], test[i]);
        int[] perClass = new int[3];
        for (int i = 0; i < 3; i++) perClass[split[1].label(i)]++;
        assertArrayEquals(new int[] {1, 1, 1}, perClass);
        LabelledImageDataset sub = DatasetView.random(d, 5, 2);
        assertEquals(5, sub.size());
        assertTrue(!sub.fingerprint().equals(d.fingerprint()));
        // Downsampled colour path has three channels.
        assertEquals(3 * 4, PixelFeatures.extract(new Wrapped(d, false), 2, AlphaBackground.WHITE)[0].length);
    }

    /** Hides the IDX type so PixelFeatures must decode images. */
    record Wrapped(LabelledImageDataset d, boolean grey) implements LabelledImageDataset {
        Wrapped(LabelledImageDataset d) {
            this(d, true);
        }

        public String name() { return d.name(); }
        public List<String> classNames() { return d.classNames(); }
        public int size() { return d.size(); }
        public int label(int i) { return d.label(i); }
        public BufferedImage image(int i) throws IOException { return d.image(i); }
        public boolean greyscale() { return grey; }
        public String fingerprint() throws IOException { return d.fingerprint(); }
    }
}
