package dev.jclip.data.loader;

import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.image.RgbImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A small dataset full of trouble, written into a temp folder: three shards (the last truncated inside a
 * member), a file that is not a tar, two shards that do not exist, and samples with every kind of defect.
 */
final class Fixtures {
    /** The shard spec of the broken dataset. */
    final String spec;
    /** Keys of the good samples. */
    final List<String> goodKeys = new ArrayList<>();
    /** Exact skip counts the dataset must produce. */
    final Map<String, Long> expectedSkips = new TreeMap<>();

    private Fixtures(String spec) {
        this.spec = spec;
    }

    static byte[] png(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[w * h * 3];
        r.nextBytes(px);
        return ImageEncoder.png(new RgbImage(w, h, px));
    }

    static byte[] jpeg(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] px = new byte[w * h * 3];
        // smooth gradients with a little noise: compressible, like a photo
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
            px[(y * w + x) * 3 + c] = (byte) ((x * (c + 1) + y * (3 - c)) % 256 + r.nextInt(8));
        }
        return ImageEncoder.jpeg(new RgbImage(w, h, px), 0.9f);
    }

    static Fixtures broken(Path dir) throws IOException {
        Fixtures f = new Fixtures(dir + "/shard-{00000..00002}.tar::" + dir + "/garbage.tar::" + dir + "/missing-{0..1}.tar");
        // shard 0: ten good samples and one of each defect
        TarBuilder a = new TarBuilder();
        for (int i = 0; i < 10; i++) f.good(a, "a" + i, png(20 + i, 17, i), "caption number " + i);
        a.add("bad_garbage.jpg", "this is not an image at all".getBytes(StandardCharsets.UTF_8)).add("bad_garbage.txt", "garbage");
        byte[] jpg = jpeg(40, 40, 7);
        a.add("bad_truncjpg.jpg", Arrays.copyOf(jpg, jpg.length / 2)).add("bad_truncjpg.txt", "cut short");
        a.add("nocap.png", png(8, 8, 1));
        a.add("emptycap.png", png(8, 8, 2)).add("emptycap.txt", "  \n");
        a.add("latin1.png", png(8, 8, 3)).add("latin1.txt", new byte[] {'c', 'a', 'f', (byte) 0xE9});
        a.add("jsoncap.png", png(9, 9, 4)).add("jsoncap.json", "{\"caption\": \"from json\", \"url\": \"x\"}");
        f.goodKeys.add("jsoncap");
        a.add("badjson.png", png(8, 8, 5)).add("badjson.json", "{not json");
        a.add("noimage.txt", "where is the picture");
        a.add("bomb.png", pngHeaderClaiming(20000, 10000)).add("bomb.txt", "too many pixels: too large, not decoded");
        f.good(a, "dir/sub", png(12, 30, 6), "a key inside a directory");
        a.write(dir.resolve("shard-00000.tar"));
        // shard 1: eight good samples, captions from txt (jpeg images)
        TarBuilder b = new TarBuilder();
        for (int i = 0; i < 8; i++) {
            b.add("b" + i + ".jpg", jpeg(30, 24 + i, 100 + i)).add("b" + i + ".txt", "jpeg sample " + i + "\n");
            f.goodKeys.add("b" + i);
        }
        b.write(dir.resolve("shard-00001.tar"));
        // shard 2: six samples, cut inside the last one's image
        TarBuilder c = new TarBuilder();
        for (int i = 0; i < 6; i++) c.add("c" + i + ".png", png(32, 32, 200 + i)).add("c" + i + ".txt", "last shard " + i);
        for (int i = 0; i < 5; i++) f.goodKeys.add("c" + i);
        byte[] full = c.bytes();
        int header = headerOffset(full, "c5.png");
        Files.write(dir.resolve("shard-00002.tar"), Arrays.copyOf(full, header + 512 + 300));
        // not a tar at all
        byte[] junk = new byte[4096];
        new Random(9).nextBytes(junk);
        Files.write(dir.resolve("garbage.tar"), junk);

        f.expectedSkips.put(SkipReason.CORRUPT_IMAGE, 2L);
        f.expectedSkips.put(SkipReason.MISSING_CAPTION, 2L);
        f.expectedSkips.put(SkipReason.CAPTION_NOT_UTF8, 1L);
        f.expectedSkips.put(SkipReason.CAPTION_BAD_JSON, 1L);
        f.expectedSkips.put(SkipReason.MISSING_IMAGE, 1L);
        f.expectedSkips.put(SkipReason.IMAGE_TOO_LARGE, 1L);
        f.expectedSkips.put(SkipReason.TRUNCATED_SHARD, 1L);
        f.expectedSkips.put(SkipReason.SHARD_UNREADABLE, 3L);
        return f;
    }

    private void good(TarBuilder t, String key, byte[] png, String caption) throws IOException {
        t.add(key + ".png", png).add(key + ".txt", caption);
        goodKeys.add(key);
    }

    /** Byte offset of the 512-byte tar header of member {@code name}. */
    /** A 1x1 PNG whose header claims {@code w x h} pixels (CRC fixed), beyond the decoder's pixel limit. */
    static byte[] pngHeaderClaiming(int w, int h) {
        byte[] p = png(1, 1, 0);
        java.nio.ByteBuffer.wrap(p, 16, 8).putInt(w).putInt(h);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(p, 12, 17);
        java.nio.ByteBuffer.wrap(p, 29, 4).putInt((int) crc.getValue());
        return p;
    }

    static int headerOffset(byte[] tar, String name) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        for (int off = 0; off + 512 <= tar.length; off += 512) {
            boolean match = true;
            for (int i = 0; i < n.length && match; i++) match = tar[off + i] == n[i];
            if (match && tar[off + n.length] == 0) return off;
        }
        throw new IllegalArgumentException("no member " + name);
    }
}
