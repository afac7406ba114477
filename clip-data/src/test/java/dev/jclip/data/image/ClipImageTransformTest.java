package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClipImageTransformTest {
    @Test
    void normalisationUsesClipMeanAndStd() {
        byte[] px = new byte[4 * 4 * 3];
        for (int i = 0; i < 16; i++) {
            px[i * 3] = (byte) 255;
            px[i * 3 + 1] = 0;
            px[i * 3 + 2] = (byte) 128;
        }
        ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(4));
        float[] out = new float[t.floatsPerImage()];
        t.normalizeInto(new RgbImage(4, 4, px), out, 0);
        for (int i = 0; i < 16; i++) {
            assertEquals((1 - 0.48145466) / 0.26862954, out[i], 1e-6); // R plane first
            assertEquals((0 - 0.4578275) / 0.26130258, out[16 + i], 1e-6);
            assertEquals((128 / 255.0 - 0.40821073) / 0.27577711, out[32 + i], 1e-6);
        }
        assertEquals(1.9303361, out[0], 1e-6);
    }

    @Test
    void resizeAndCenterCropGeometryFollowsTorchvision() {
        assertArrayEquals(new int[] {298, 224}, ClipImageTransform.resizedShorterSide(640, 480, 224));
        assertArrayEquals(new int[] {224, 298}, ClipImageTransform.resizedShorterSide(480, 640, 224));
        assertArrayEquals(new int[] {224, 224}, ClipImageTransform.resizedShorterSide(300, 300, 224));
        assertArrayEquals(new int[] {224, 674}, ClipImageTransform.resizedShorterSide(100, 301, 224)); // int(674.24)
        assertEquals(37, ClipImageTransform.centerOffset(298, 224));
        assertEquals(0, ClipImageTransform.centerOffset(225, 224)); // round(0.5) = 0 in Python
        assertEquals(2, ClipImageTransform.centerOffset(227, 224)); // round(1.5) = 2
        assertEquals(2, ClipImageTransform.centerOffset(229, 224)); // round(2.5) = 2
    }

    @Test
    void evalIsResizeThenCentreCropThenNormalise() {
        RgbImage src = BicubicResamplerTest.random(50, 31, 8);
        ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(20));
        float[] ours = new float[t.floatsPerImage()];
        t.evalInto(src, ours, 0);
        RgbImage resized = BicubicResampler.resize(src, 32, 20); // int(20 * 50 / 31) = 32
        byte[] crop = new byte[20 * 20 * 3];
        for (int y = 0; y < 20; y++) System.arraycopy(resized.rgb(), (y * 32 + 6) * 3, crop, y * 60, 60); // round(6.0)
        float[] expected = new float[t.floatsPerImage()];
        t.normalizeInto(new RgbImage(20, 20, crop), expected, 0);
        assertArrayEquals(expected, ours, 0f);
    }

    @Test
    void randomResizedCropStaysInRangeAndIsReproducible() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 2000; i++) {
            int w = 20 + rng.nextInt(300);
            int h = 20 + rng.nextInt(300);
            CropBox b = ClipImageTransform.randomResizedCrop(w, h, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, rng);
            assertTrue(b.x() >= 0 && b.y() >= 0 && b.x() + b.w() <= w && b.y() + b.h() <= h, b + " in " + w + "x" + h);
            double area = (double) b.w() * b.h() / ((double) w * h);
            double aspect = (double) w / h;
            if (aspect >= 0.75 && aspect <= 4.0 / 3) {
                assertTrue(area > 0.85 && area <= 1.0, "area fraction " + area + " of " + w + "x" + h);
            } else {
                double boxAspect = (double) b.w() / b.h(); // fallback: ratio clamped into range, rounded
                assertTrue(boxAspect > 0.7 && boxAspect < 1.45, "box " + b + " of " + w + "x" + h);
            }
        }
        CropBox a = ClipImageTransform.randomResizedCrop(256, 256, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, new SplittableRandom(5));
        CropBox b = ClipImageTransform.randomResizedCrop(256, 256, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, new SplittableRandom(5));
        assertEquals(a, b);
    }

    @Test
    void randomResizedCropFallsBackToTheCentredClampedBox() {
        // 1000x10 cannot hold 90% of its area at aspect <= 4/3: torchvision's fallback, h = 10, w = round(10 * 4/3)
        CropBox b = ClipImageTransform.randomResizedCrop(1000, 10, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, new SplittableRandom(2));
        assertEquals(new CropBox(493, 0, 13, 10), b);
        CropBox tall = ClipImageTransform.randomResizedCrop(10, 1000, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, new SplittableRandom(2));
        assertEquals(new CropBox(0, 493, 10, 13), tall);
    }

    @Test
    void trainTransformIsCropThenResize() {
        RgbImage src = BicubicResamplerTest.random(64, 48, 4);
        ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(16));
        float[] ours = new float[t.floatsPerImage()];
        t.trainInto(src, new SplittableRandom(77), ours, 0);
        CropBox b = ClipImageTransform.randomResizedCrop(64, 48, ClipImageTransform.TRAIN_SCALE, ClipImageTransform.TRAIN_RATIO, new SplittableRandom(77));
        byte[] crop = new byte[b.w() * b.h() * 3];
        for (int y = 0; y < b.h(); y++) System.arraycopy(src.rgb(), ((b.y() + y) * 64 + b.x()) * 3, crop, y * b.w() * 3, b.w() * 3);
        float[] expected = new float[t.floatsPerImage()];
        t.normalizeInto(BicubicResampler.resize(new RgbImage(b.w(), b.h(), crop), 16, 16), expected, 0);
        assertArrayEquals(expected, ours, 0f);
    }
}
