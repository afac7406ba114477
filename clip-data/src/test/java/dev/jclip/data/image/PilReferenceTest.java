package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Compares against PIL 9.4 itself: pil_reference.txt was written by make_pil_reference.py (beside it) from
 * the same formula-defined images.
 */
class PilReferenceTest {
    static final Map<String, RgbImage> REF = new HashMap<>();
    static final Map<String, byte[]> FILES = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = PilReferenceTest.class.getResourceAsStream("pil_reference.txt")) {
            assertNotNull(in, "pil_reference.txt on the test classpath");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] p = line.split(" ");
                byte[] bytes = HexFormat.of().parseHex(p[3]);
                if (p[0].endsWith("_file")) FILES.put(p[0], bytes);
                else REF.put(p[0], new RgbImage(Integer.parseInt(p[1]), Integer.parseInt(p[2]), bytes));
            }
        }
    }

    /** Keep in sync with make_pil_reference.py. */
    static RgbImage pattern(int w, int h) {
        byte[] b = new byte[w * h * 3];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
            b[(y * w + x) * 3 + c] = (byte) ((x * 7 + y * 13 + c * 50 + (x * y) % 17 + ((x / 4 + y / 3) % 2) * 60) % 256);
        }
        return new RgbImage(w, h, b);
    }

    @Test
    void bicubicResizesMatchPilExactly() {
        RgbImage src = pattern(37, 29);
        assertArrayEquals(REF.get("down_16x12").rgb(), BicubicResampler.resize(src, 16, 12).rgb(), "downscale (antialiased)");
        assertArrayEquals(REF.get("up_80x61").rgb(), BicubicResampler.resize(src, 80, 61).rgb(), "upscale");
        assertArrayEquals(REF.get("vert_37x20").rgb(), BicubicResampler.resize(src, 37, 20).rgb(), "one axis only");
        assertArrayEquals(REF.get("crop_3_2_30_25_to_24x24").rgb(),
                BicubicResampler.resample(src, 3, 2, 30, 25, 24, 24, 0, 0, 24, 24).rgb(), "crop then resize");
    }

    @Test
    void evalTransformMatchesPilResizeAndCenterCrop() {
        RgbImage src = pattern(37, 29);
        ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(24));
        float[] ours = new float[t.floatsPerImage()];
        t.evalInto(src, ours, 0);
        float[] expected = new float[t.floatsPerImage()];
        t.normalizeInto(REF.get("eval_24"), expected, 0);
        assertArrayEquals(expected, ours, 0f);
    }

    @Test
    void jdkJpegDecoderIsWithinOneLevelOfPil() throws Exception {
        RgbImage ours = ImageDecoder.decode(FILES.get("jpeg_file"), AlphaBackground.NONE);
        RgbImage pil = REF.get("jpeg_decoded");
        int max = 0;
        long exact = 0;
        for (int i = 0; i < ours.rgb().length; i++) {
            int d = Math.abs((ours.rgb()[i] & 0xff) - (pil.rgb()[i] & 0xff));
            max = Math.max(max, d);
            if (d == 0) exact++;
        }
        // Measured: identical except rounding in chroma upsampling / colour conversion.
        assertTrue(max <= 2, "max difference " + max);
        assertTrue(exact > 0.9 * ours.rgb().length, "exactly equal samples: " + exact + " of " + ours.rgb().length);
    }

    @Test
    void cmykJpegConvertsToRgbExactlyAsPilDoes() throws Exception {
        assertEquals(java.awt.color.ColorSpace.TYPE_CMYK, ImageDecoder.read(FILES.get("cmyk_jpeg_file")).getColorModel().getColorSpace().getType());
        assertArrayEquals(REF.get("cmyk_decoded").rgb(), ImageDecoder.decode(FILES.get("cmyk_jpeg_file"), AlphaBackground.NONE).rgb());
    }
}
