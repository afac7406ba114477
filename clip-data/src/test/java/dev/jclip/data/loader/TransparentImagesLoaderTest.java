package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import static dev.jclip.core.testing.TransparentImages.onBackground;
import static dev.jclip.core.testing.TransparentImages.palette;
import static dev.jclip.core.testing.TransparentImages.png;
import static dev.jclip.core.testing.TransparentImages.rgba;

import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.shards.ShardWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training sees transparent images composited over the run's background: a transparent PNG (black strokes on a
 * transparent background) and a palette PNG with a transparent index ({@code TransparentImages}) give, through the
 * training loader (random crops and all), exactly the batches of the same drawings stored opaque on that background.
 */
class TransparentImagesLoaderTest {
    static final int W = 40;
    static final int H = 30;

    @TempDir
    Path tmp;

    private String shards(String name, List<byte[]> pngs) throws Exception {
        Path dir = tmp.resolve(name);
        try (ShardWriter w = new ShardWriter(dir, "s", 100)) {
            for (int i = 0; i < 16; i++) w.write(String.format("k%03d", i), "png", pngs.get(i % pngs.size()), "caption number " + i, null);
        }
        return dir + "/s-00000.tar";
    }

    private static List<float[]> batches(String spec, AlphaBackground background) {
        LoaderConfig cfg = LoaderConfig.builder(8).imageSize(24).contextLength(8).workers(2).seed(7).shuffleBuffer(8)
                .train(true).alphaBackground(background).build();
        return DataLoaderOrderTest.run(spec, false, cfg, LoaderPosition.start(0)).images();
    }

    @Test
    void trainingBatchesAreTheCompositedPictures() throws Exception {
        String transparent = shards("transparent", List.of(png(rgba(W, H)), png(palette(W, H))));
        for (int background : new int[] {255, 0}) {
            AlphaBackground bg = background == 255 ? AlphaBackground.WHITE : AlphaBackground.BLACK;
            String opaque = shards("opaque-" + background, List.of(png(onBackground(rgba(W, H), background)),
                    png(onBackground(palette(W, H), background))));
            List<float[]> got = batches(transparent, bg);
            List<float[]> want = batches(opaque, bg);
            assertEquals(2, got.size());
            for (int b = 0; b < got.size(); b++) assertArrayEquals(want.get(b), got.get(b), 0f, bg + ", batch " + b);
        }
        assertFalse(Arrays.equals(batches(transparent, AlphaBackground.WHITE).get(0), batches(transparent, AlphaBackground.BLACK).get(0)));
    }
}
