package dev.jclip.eval.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class CenterCropPreprocessorTest {

    static BufferedImage synthetic(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int[] c = new int[3];
                for (int ch = 0; ch < 3; ch++) c[ch] = (3 * x * x + 17 * y + 71 * ch + x * y) % 256;
                img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
            }
        }
        return img;
    }

    /** Agrees with Pillow's bicubic resize + torchvision-style centre crop to within one grey level. */
    @Test
    void matchesPillowWithinOneLevel() throws Exception {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/dev/jclip/eval/resize_pillow.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        for (JsonNode c : doc.get("cases")) {
            int w = c.get("width").asInt();
            int h = c.get("height").asInt();
            int size = c.get("size").asInt();
            Rgb out = CenterCropPreprocessor.resizeAndCrop(Rgb.of(synthetic(w, h)), size);
            int maxDiff = 0;
            int within0 = 0;
            for (int ch = 0; ch < 3; ch++) {
                JsonNode ref = c.get("rgb").get(ch);
                assertEquals(size * size, ref.size());
                for (int i = 0; i < size * size; i++) {
                    int d = Math.abs(ref.get(i).asInt() - (int) out.planes[ch][i]);
                    maxDiff = Math.max(maxDiff, d);
                    if (d == 0) within0++;
                }
            }
            assertTrue(maxDiff <= 1, w + "x" + h + "->" + size + ": max difference " + maxDiff);
            assertTrue(within0 >= 0.9 * 3 * size * size, w + "x" + h + "->" + size + ": only " + within0 + " exact");
        }
    }

    @Test
    void constantImageNormalisesToCLIPValues() {
        BufferedImage img = new BufferedImage(50, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 50; x++) img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
        INDArray t = new CenterCropPreprocessor(8).batch(List.of(img, img));
        assertArrayEquals(new long[] {2, 3, 8, 8}, t.shape());
        float[] rgb = {200, 100, 50};
        for (int c = 0; c < 3; c++) {
            float expected = (rgb[c] / 255f - CenterCropPreprocessor.CLIP_MEAN[c]) / CenterCropPreprocessor.CLIP_STD[c];
            assertEquals(expected, t.getFloat(1, c, 3, 5), 1e-5);
            assertEquals(expected, t.getFloat(0, c, 0, 0), 1e-5);
        }
    }

    @Test
    void greyscaleIsCopiedToThreeChannelsWithoutGammaChange() {
        BufferedImage g = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(1, 2, 0, 77);
        float[] dst = new float[3 * 16];
        new CenterCropPreprocessor(4, new float[] {0, 0, 0}, new float[] {1, 1, 1}).write(g, dst, 0);
        for (int c = 0; c < 3; c++) {
            assertEquals(77 / 255f, dst[c * 16 + 2 * 4 + 1], 1e-6); // same size: no resampling
            assertEquals(0f, dst[c * 16]);
        }
    }

    /** Bicubic keeps a horizontal linear ramp linear away from the borders when upsampling. */
    @Test
    void bicubicReproducesLinearRampInTheInterior() {
        Rgb src = new Rgb(10, 1);
        for (int x = 0; x < 10; x++) for (int c = 0; c < 3; c++) src.planes[c][x] = 20 * x + 10;
        Rgb out = BicubicResampler.resize(src, 20, 1);
        for (int x = 4; x < 16; x++) {
            double srcX = (x + 0.5) / 2 - 0.5; // output pixel centre in input coordinates
            assertEquals(20 * srcX + 10, out.planes[0][x], 0.5001, "x=" + x);
        }
    }
}
