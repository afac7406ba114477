package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fixed-point resampler against a slow, direct double-precision evaluation of the same definition. */
class BicubicResamplerTest {
    static RgbImage random(int w, int h, long seed) {
        byte[] b = new byte[w * h * 3];
        new Random(seed).nextBytes(b);
        return new RgbImage(w, h, b);
    }

    static double keys(double x) {
        x = Math.abs(x);
        if (x < 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
        if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
        return 0;
    }

    /** One pass along one axis: every source sample weighted by the stretched kernel, weights normalised. */
    static double[] pass(double[] in, int out) {
        double scale = (double) in.length / out;
        double fs = Math.max(1, scale);
        double[] res = new double[out];
        for (int i = 0; i < out; i++) {
            double center = (i + 0.5) * scale;
            double num = 0;
            double den = 0;
            for (int j = 0; j < in.length; j++) {
                double w = keys((j + 0.5 - center) / fs);
                num += w * in[j];
                den += w;
            }
            res[i] = num / den;
        }
        return res;
    }

    /** Slow reference: horizontal pass, round and clip to 8 bits (as PIL's intermediate image), vertical pass. */
    static int[] naive(RgbImage src, int ow, int oh) {
        int w = src.width();
        int h = src.height();
        int[] mid = new int[ow * h * 3];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                double[] row = new double[w];
                for (int x = 0; x < w; x++) row[x] = src.get(x, y, c);
                double[] r = pass(row, ow);
                for (int x = 0; x < ow; x++) mid[(y * ow + x) * 3 + c] = clip(r[x]);
            }
        }
        int[] out = new int[ow * oh * 3];
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < ow; x++) {
                double[] col = new double[h];
                for (int y = 0; y < h; y++) col[y] = mid[(y * ow + x) * 3 + c];
                double[] r = pass(col, oh);
                for (int y = 0; y < oh; y++) out[(y * ow + x) * 3 + c] = clip(r[y]);
            }
        }
        return out;
    }

    static int clip(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    @Test
    void matchesTheDirectFormulaUpToFixedPointRounding() {
        int[][] cases = {{31, 23, 13, 9}, {31, 23, 70, 50}, {40, 40, 40, 17}, {17, 50, 224, 224}, {256, 300, 224, 262}};
        for (int[] c : cases) {
            RgbImage src = random(c[0], c[1], c[0] * 1000L + c[2]);
            RgbImage ours = BicubicResampler.resize(src, c[2], c[3]);
            int[] ref = naive(src, c[2], c[3]);
            int max = 0;
            int diff = 0;
            for (int i = 0; i < ref.length; i++) {
                int d = Math.abs((ours.rgb()[i] & 0xff) - ref[i]);
                max = Math.max(max, d);
                if (d != 0) diff++;
            }
            // 22-bit fixed point vs double can only flip a rounding at an exact .5 boundary
            assertTrue(max <= 1, "max difference " + max + " for " + java.util.Arrays.toString(c));
            assertTrue(diff <= ref.length / 200, diff + " of " + ref.length + " differ for " + java.util.Arrays.toString(c));
        }
    }

    @Test
    void windowEqualsFullResizeThenCrop() {
        RgbImage src = random(57, 41, 3);
        RgbImage full = BicubicResampler.resample(src, 5, 3, 40, 30, 64, 48, 0, 0, 64, 48);
        RgbImage win = BicubicResampler.resample(src, 5, 3, 40, 30, 64, 48, 7, 11, 20, 30);
        for (int y = 0; y < 30; y++) for (int x = 0; x < 20; x++) for (int c = 0; c < 3; c++) {
            assertEquals(full.get(x + 7, y + 11, c), win.get(x, y, c));
        }
    }

    @Test
    void constantStaysConstantAndDownscalingAntialiases() {
        byte[] flat = new byte[30 * 20 * 3];
        java.util.Arrays.fill(flat, (byte) 77);
        RgbImage out = BicubicResampler.resize(new RgbImage(30, 20, flat), 11, 47);
        for (byte b : out.rgb()) assertEquals(77, b & 0xff);
        // one-pixel checkerboard shrunk 4x: every source pixel contributes, so the result is mid grey
        byte[] check = new byte[64 * 64 * 3];
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) for (int c = 0; c < 3; c++) check[(y * 64 + x) * 3 + c] = (byte) (((x + y) & 1) * 255);
        RgbImage small = BicubicResampler.resize(new RgbImage(64, 64, check), 16, 16);
        for (int y = 2; y < 14; y++) for (int x = 2; x < 14; x++) {
            int v = small.get(x, y, 0);
            assertTrue(Math.abs(v - 128) <= 2, "aliasing at " + x + "," + y + ": " + v);
        }
    }

    @Test
    void kernelIsKeysCubicWithAMinusHalf() {
        assertEquals(1.0, BicubicResampler.kernel(0), 0);
        assertEquals(0.0, BicubicResampler.kernel(1), 0);
        assertEquals(0.0, BicubicResampler.kernel(2), 0);
        assertEquals(0.5625, BicubicResampler.kernel(0.5), 1e-12); // 1.5/8 - 2.5/4 + 1
        assertEquals(-0.0625, BicubicResampler.kernel(-1.5), 1e-12); // a(x^3 - 5x^2 + 8x - 4) at 1.5
    }
}
