package dev.jclip.eval.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.PreprocessConfig;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluation's images go through clip-data's pipeline: Pillow's resize, CLIP's normalisation, grey kept exact. */
class EvalImagePipelineTest {

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

    /** Unit mean and std: the transform's output times 255 is the resized and cropped image in 0..255. */
    static ClipImageTransform unit(int size) {
        return new ClipImageTransform(new PreprocessConfig(size, new float[] {0, 0, 0}, new float[] {1, 1, 1}, AlphaBackground.WHITE));
    }

    /** The Pillow resize + centre crop cases clip-eval's own resampler was checked against: now identical. */
    @Test
    void matchesPillowResizeAndCentreCrop() throws Exception {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/dev/jclip/eval/resize_pillow.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        for (JsonNode c : doc.get("cases")) {
            int w = c.get("width").asInt();
            int h = c.get("height").asInt();
            int size = c.get("size").asInt();
            ClipImageTransform t = unit(size);
            float[] out = new float[t.floatsPerImage()];
            t.evalInto(t.rgb(synthetic(w, h)), out, 0);
            int maxDiff = 0;
            for (int ch = 0; ch < 3; ch++) {
                JsonNode ref = c.get("rgb").get(ch);
                assertEquals(size * size, ref.size());
                for (int i = 0; i < size * size; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(ref.get(i).asInt() - Math.round(out[ch * size * size + i] * 255)));
                }
            }
            assertEquals(0, maxDiff, w + "x" + h + "->" + size + ": max difference from Pillow");
        }
    }

    @Test
    void constantImageNormalisesToClipValues() throws Exception {
        BufferedImage img = new BufferedImage(50, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 50; x++) img.setRGB(x, y, (200 << 16) | (100 << 8) | 50);
        INDArray t = new ClipImageTransform(PreprocessConfig.clip(8)).evalBatch(List.of(img, img));
        assertArrayEquals(new long[] {2, 3, 8, 8}, t.shape());
        float[] rgb = {200, 100, 50};
        for (int c = 0; c < 3; c++) {
            float expected = (rgb[c] / 255f - ClipImageTransform.MEAN[c]) / ClipImageTransform.STD[c];
            assertEquals(expected, t.getFloat(1, c, 3, 5), 1e-6);
            assertEquals(expected, t.getFloat(0, c, 0, 0), 1e-6);
        }
    }

    @Test
    void greyscaleIsCopiedToThreeChannelsWithoutGammaChange() throws Exception {
        BufferedImage g = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(1, 2, 0, 77);
        ClipImageTransform t = unit(4);
        float[] dst = new float[3 * 16];
        t.evalInto(t.rgb(g), dst, 0);
        for (int c = 0; c < 3; c++) {
            assertEquals(77 / 255f, dst[c * 16 + 2 * 4 + 1], 1e-6); // same size: no resampling
            assertEquals(0f, dst[c * 16]);
        }
        assertTrue(dst[16 + 9] > 0);
    }
}
