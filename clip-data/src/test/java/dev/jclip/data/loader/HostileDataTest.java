package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.core.io.Limits;
import dev.jclip.core.testing.HostileFiles;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.image.RgbImage;
import dev.jclip.data.image.ImageSizeGuard;
import dev.jclip.data.image.ImageTooLargeException;
import dev.jclip.data.shards.RecordTooLargeException;
import dev.jclip.data.shards.ShardWriter;
import dev.jclip.data.shards.TarSample;
import dev.jclip.data.shards.TarSampleReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The crafted images and shards of issue 20: refused as too large (not corrupt), the same at 1 and 4 workers. */
class HostileDataTest {
    @TempDir
    Path dir;

    @Test
    void imageHeadersOverThePixelLimitAreRefusedBeforeDecoding() throws Exception {
        for (byte[] image : List.of(HostileFiles.pngDeclaring(20000, 20000), HostileFiles.jpegDeclaring(20000, 20000))) {
            ImageTooLargeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(ImageTooLargeException.class, () -> ImageDecoder.decode(image, AlphaBackground.WHITE)));
            assertTrue(e.getMessage().contains("20000x20000") && e.getMessage().contains("jclip.limit.imagePixels"), e.getMessage());
        }
        assertArrayEquals(new long[] {3, 5}, ImageSizeGuard.checkHeader(HostileFiles.png(3, 5)));
    }

    @Test
    void anExtremeAspectRatioIsTooLargeNotAnOverflow() throws Exception {
        byte[] tall = HostileFiles.png(1, 100_000);
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class, () -> ImageDecoder.decode(tall, AlphaBackground.WHITE));
        assertTrue(e.getMessage().contains("aspect ratio") && e.getMessage().contains("jclip.limit.imageAspect"), e.getMessage());
        System.setProperty(Limits.IMAGE_ASPECT.property(), "100000");
        try {
            RgbImage img = ImageDecoder.decode(tall, AlphaBackground.WHITE);
            assertEquals(100_000, img.height(), "raising the limit admits it");
            ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(224)); // and the resize does not overflow: 224 x 22,400,000
            float[] px = new float[t.floatsPerImage()];
            t.evalInto(img, px, 0);
            t.trainInto(img, new java.util.SplittableRandom(1), px, 0);
            assertTrue(Float.isFinite(px[0]) && Float.isFinite(px[px.length - 1]));
        } finally {
            System.clearProperty(Limits.IMAGE_ASPECT.property());
        }
    }

    @Test
    void thePixelLimitIsPilsAndCanBeRaised() throws ImageTooLargeException {
        assertEquals(89_478_485L, Limits.IMAGE_PIXELS.defaultValue());
        ImageSizeGuard.check(9459, 9459); // 89.47 M pixels: at the limit
        assertThrows(ImageTooLargeException.class, () -> ImageSizeGuard.check(9460, 9460));
        assertThrows(ImageTooLargeException.class, () -> ImageSizeGuard.check(13000, 13000)); // the 169 MP image
    }

    /**
     * A shard with good images around corrupt, too-large (header, aspect ratio) and oversized records, and an
     * empty shard: every good sample arrives, and the counts of each reason are the same at 1 and at 4 workers.
     */
    @Test
    void corruptAndTooLargeAreCountedApartAndIndependentlyOfTheWorkerCount() throws Exception {
        Path shards = dir.resolve("shards");
        List<String> good = new ArrayList<>();
        byte[] garbage = new byte[3000];
        new Random(1).nextBytes(garbage);
        byte[] bigRecord = new byte[300_000];
        new Random(2).nextBytes(bigRecord);
        byte[] hugePng = HostileFiles.pngDeclaring(20000, 20000);
        byte[] hugeJpeg = HostileFiles.jpegDeclaring(20000, 20000);
        byte[] tall = HostileFiles.png(1, 100_000);
        try (ShardWriter w = new ShardWriter(shards, "s", 100)) {
            int k = 0;
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 3; i++) {
                    String key = String.format("%05d", k++);
                    w.write(key, "png", Fixtures.png(20 + i, 16, k), "good " + key, null);
                    good.add(key);
                }
                w.write(String.format("%05d", k++), "png", garbage, "corrupt", null);
                w.write(String.format("%05d", k++), "png", hugePng, "huge png", null);
                w.write(String.format("%05d", k++), "jpg", hugeJpeg, "huge jpeg", null);
                w.write(String.format("%05d", k++), "png", tall, "tall", null);
                w.write(String.format("%05d", k++), "png", bigRecord, "oversized record", null);
            }
        }
        Path empty = Files.write(dir.resolve("empty.tar"), new byte[0]);
        List<String> spec = List.of(shards.resolve("s-00000.tar").toString(), empty.toString());
        Map<String, Long> expected = Map.of(SkipReason.CORRUPT_IMAGE, 3L, SkipReason.IMAGE_TOO_LARGE, 9L,
                SkipReason.RECORD_TOO_LARGE, 3L, SkipReason.SHARD_UNREADABLE, 1L);
        System.setProperty(Limits.RECORD_BYTES.property(), "200000");
        try {
            for (int workers : new int[] {1, 4}) {
                LoaderConfig cfg = LoaderConfig.builder(4).imageSize(16).contextLength(8).workers(workers).train(false).dropLast(false).build();
                try (DataLoader l = DataLoader.open(new WebDatasetSource(spec, false), new WordTokenizer(), cfg, LoaderPosition.start(0))) {
                    List<String> keys = new ArrayList<>();
                    for (Batch b = l.next(); b != null; b = l.next()) keys.addAll(b.keys());
                    assertEquals(good, keys, workers + " workers");
                    assertEquals(expected, l.skips().snapshot(), workers + " workers");
                }
            }
        } finally {
            System.clearProperty(Limits.RECORD_BYTES.property());
        }
    }

    @Test
    void anOversizedMemberCostsItsSampleOnlyAndIsNeverRead() throws IOException {
        Path shards = dir.resolve("one");
        try (ShardWriter w = new ShardWriter(shards, "s", 10)) {
            w.write("a", "png", new byte[5000], "first", null);
            w.write("b", "png", new byte[10], "second", null);
        }
        System.setProperty(Limits.RECORD_BYTES.property(), "4096");
        try (InputStream in = Files.newInputStream(shards.resolve("s-00000.tar")); TarSampleReader r = new TarSampleReader("s", in)) {
            TarSample a = r.next();
            assertEquals("a", a.key());
            assertEquals(List.of("txt"), List.copyOf(a.members().keySet()));
            assertTrue(a.oversized().get(0).startsWith("a.png: 5000 bytes exceeds"), a.oversized().toString());
            TarSample b = r.next();
            assertEquals("b", b.key());
            assertTrue(b.oversized().isEmpty() && b.members().get("png").length == 10);
        } finally {
            System.clearProperty(Limits.RECORD_BYTES.property());
        }
    }

    @Test
    void theWriterRefusesWhatTheReaderWouldSkipAndTheShardStaysGood() throws IOException {
        Path shards = dir.resolve("w");
        System.setProperty(Limits.RECORD_BYTES.property(), "4096");
        try (ShardWriter w = new ShardWriter(shards, "s", 10)) {
            w.write("a", "png", new byte[10], "first", null);
            RecordTooLargeException e = assertThrows(RecordTooLargeException.class, () -> w.write("b", "png", new byte[5000], "big", null));
            assertTrue(e.getMessage().contains("b.png") && e.getMessage().contains("jclip.limit.recordBytes"), e.getMessage());
            w.write("c", "png", new byte[10], "third", null);
            Path big = Files.write(dir.resolve("big.png"), new byte[5000]);
            RecordTooLargeException f = assertThrows(RecordTooLargeException.class, () -> ShardWriter.readRecord(big));
            assertTrue(f.getMessage().contains(big.toString()), f.getMessage());
        } finally {
            System.clearProperty(Limits.RECORD_BYTES.property());
        }
        List<String> keys = new ArrayList<>();
        try (InputStream in = Files.newInputStream(shards.resolve("s-00000.tar")); TarSampleReader r = new TarSampleReader("s", in)) {
            for (TarSample t = r.next(); t != null; t = r.next()) keys.add(t.key());
        }
        assertEquals(List.of("a", "c"), keys);
    }

    @Test
    void aManifestRowOverTheLineLimitNamesTheFileAndLine() throws IOException {
        Path csv = Files.writeString(dir.resolve("m.tsv"), "filepath\ttitle\na.png\t\"never closed\n" + "x".repeat(5000) + "\n");
        System.setProperty(Limits.LINE_CHARS.property(), "1024");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvManifest.read(csv, '\t', "filepath", "title"));
            assertTrue(e.getMessage().contains(csv.toString()) && e.getMessage().contains("line 2"), e.getMessage());
        } finally {
            System.clearProperty(Limits.LINE_CHARS.property());
        }
    }
}
