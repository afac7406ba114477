package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** open_clip's --aug-cfg: parsing, and that each setting changes the training pixels and never evaluation's. */
class AugmentationConfigTest {
    private static final PreprocessConfig UNIT = new PreprocessConfig(16, new float[] {0, 0, 0}, new float[] {1, 1, 1}, AlphaBackground.WHITE);

    private static RgbImage colourful() {
        byte[] p = new byte[24 * 20 * 3];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < p.length; i++) p[i] = (byte) (40 + r.nextInt(170));
        return new RgbImage(24, 20, p);
    }

    private static float[] train(AugmentationConfig aug, RgbImage img, long seed) {
        ClipImageTransform t = new ClipImageTransform(UNIT, aug);
        float[] out = new float[t.floatsPerImage()];
        t.trainInto(img, new SplittableRandom(seed), out, 0);
        return out;
    }

    private static float[] eval(AugmentationConfig aug, RgbImage img) {
        ClipImageTransform t = new ClipImageTransform(UNIT, aug);
        float[] out = new float[t.floatsPerImage()];
        t.evalInto(img, out, 0);
        return out;
    }

    @Test
    void parsesOpenClipsKeysAndRefusesOthersByName() {
        AugmentationConfig a = AugmentationConfig.parse("scale=(0.4, 1.0) color_jitter=(0.4,0.4,0.4,0.1) color_jitter_prob=0.8 gray_scale_prob=0.2", "aug-cfg");
        assertArrayEquals(new double[] {0.4, 1.0}, a.scale());
        assertArrayEquals(new double[] {0.4, 0.4, 0.4, 0.1}, a.colorJitter());
        assertEquals(0.8, a.colorJitterProb());
        assertEquals(0.2, a.grayScaleProb());
        assertArrayEquals(ClipImageTransform.TRAIN_RATIO, a.ratio(), "keys left out keep the default");
        assertEquals(AugmentationConfig.DEFAULT, AugmentationConfig.parse("", "aug-cfg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.parse("sclae=(0.5,1)", "aug-cfg"));
        assertTrue(e.getMessage().contains("aug-cfg: unknown key 'sclae'"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.parse("use_timm=1", "aug-cfg")).getMessage().contains("not implemented"));
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.parse("gray_scale_prob=1.5", "x"));
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.parse("color_jitter=(0.4,0.4)", "x"));
        assertThrows(IllegalArgumentException.class, () -> AugmentationConfig.parse("scale=(0.9,0.5)", "x"));
    }

    @Test
    void theDefaultDrawsAndProducesExactlyWhatTheTransformDidBefore() {
        RgbImage img = colourful();
        // before aug-cfg the crop used TRAIN_SCALE and TRAIN_RATIO and nothing else: the same box, the same pixels
        SplittableRandom rng = new SplittableRandom(9);
        CropBox b = ClipImageTransform.randomResizedCrop(24, 20, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, rng);
        float[] expected = new float[3 * 16 * 16];
        new ClipImageTransform(UNIT).normalizeInto(BicubicResampler.resample(img, b.x(), b.y(), b.w(), b.h(), 16, 16, 0, 0, 16, 16), expected, 0);
        assertArrayEquals(expected, train(AugmentationConfig.DEFAULT, img, 9), 0f);
    }

    @Test
    void grayScaleProbabilityOneMakesEveryPixelGreyAndEvaluationIsUntouched() {
        RgbImage img = colourful();
        AugmentationConfig grey = AugmentationConfig.parse("gray_scale_prob=1", "aug-cfg");
        float[] g = train(grey, img, 3);
        int plane = 16 * 16;
        boolean colourBefore = false;
        float[] plain = train(AugmentationConfig.DEFAULT, img, 3);
        for (int i = 0; i < plane; i++) {
            assertEquals(g[i], g[plane + i], 0f, "R == G at " + i);
            assertEquals(g[i], g[2 * plane + i], 0f, "R == B at " + i);
            // the grey value is PIL's luma of the un-augmented crop (same rng draws for the crop)
            int r = Math.round(plain[i] * 255), gg = Math.round(plain[plane + i] * 255), bb = Math.round(plain[2 * plane + i] * 255);
            assertEquals((r * 299 + gg * 587 + bb * 114 + 500) / 1000, Math.round(g[i] * 255), "luma at " + i);
            colourBefore |= r != gg;
        }
        assertTrue(colourBefore, "the input had colour");
        assertArrayEquals(eval(AugmentationConfig.DEFAULT, img), eval(grey, img), 0f, "evaluation never augments");
    }

    @Test
    void brightnessJitterScalesEveryPixelByOneDrawnFactorWithinRange() {
        RgbImage img = colourful();
        AugmentationConfig bright = AugmentationConfig.parse("color_jitter=(0.5,0,0,0) color_jitter_prob=1", "aug-cfg");
        boolean changed = false;
        for (long seed = 0; seed < 5; seed++) {
            float[] plain = train(AugmentationConfig.DEFAULT, img, seed);
            float[] j = train(bright, img, seed);
            changed |= !Arrays.equals(plain, j);
            // the factor that fits best; then every unclipped pixel is that factor times the plain one, rounded
            double num = 0, den = 0;
            for (int i = 0; i < plain.length; i++) {
                if (j[i] * 255 > 254.5) continue; // clipped
                num += j[i] * plain[i];
                den += plain[i] * plain[i];
            }
            double factor = num / den;
            for (int i = 0; i < plain.length; i++) {
                if (j[i] * 255 > 254.5) continue;
                assertEquals(factor * plain[i], j[i], 0.5 / 255 + 1e-3, "one factor for every pixel (within rounding) at " + i);
            }
            assertTrue(factor >= 0.5 - 0.02 && factor <= 1.5 + 0.02, "factor " + factor);
        }
        assertTrue(changed, "brightness jitter changed the pixels");
        AugmentationConfig hue = AugmentationConfig.parse("color_jitter=(0,0,0,0.5) color_jitter_prob=1", "aug-cfg");
        assertFalse(Arrays.equals(train(AugmentationConfig.DEFAULT, img, 1), train(hue, img, 1)), "hue jitter changes pixels");
        assertArrayEquals(eval(AugmentationConfig.DEFAULT, img), eval(hue, img), 0f);
    }

    @Test
    void hueShiftOfAWholeTurnAndOfPureColours() {
        RgbImage red = new RgbImage(1, 1, new byte[] {(byte) 255, 0, 0});
        assertArrayEquals(new byte[] {0, (byte) 255, 0}, ColourSpace.shiftHue(red, 1 / 3.0).rgb(), "red turned a third is green");
        assertArrayEquals(new byte[] {0, 0, (byte) 255}, ColourSpace.shiftHue(red, -1 / 3.0).rgb(), "and back a third is blue");
        RgbImage img = colourful();
        byte[] same = ColourSpace.shiftHue(img, 0).rgb();
        for (int i = 0; i < same.length; i++) assertEquals(img.rgb()[i] & 0xff, same[i] & 0xff, 1, "no shift, same colour (rounding) at " + i);
    }
}
