package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Transparent pixels are composited over the background (white by default) for every way an image can carry
 * transparency: RGBA, palette with a transparent index (PNG tRNS, GIF), grey+alpha, WebP.
 */
class TransparencyTest {
    static final int W = 8;

    /** Black strokes (column 2, row 5) on a transparent background, one half-transparent red pixel at (6, 1). */
    static boolean stroke(int x, int y) {
        return x == 2 || y == 5;
    }

    static BufferedImage strokesRgba() {
        BufferedImage a = new BufferedImage(W, W, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < W; y++) for (int x = 0; x < W; x++) a.setRGB(x, y, stroke(x, y) ? 0xFF000000 : 0x00000000);
        a.setRGB(6, 1, 0x80FF0000);
        return a;
    }

    /** Palette: 0 transparent (stored black), 1 opaque black. */
    static BufferedImage strokesPalette() {
        byte[] zero = {0, 0};
        IndexColorModel icm = new IndexColorModel(8, 2, zero, zero, zero, 0);
        BufferedImage p = new BufferedImage(W, W, BufferedImage.TYPE_BYTE_INDEXED, icm);
        WritableRaster r = p.getRaster();
        for (int y = 0; y < W; y++) for (int x = 0; x < W; x++) r.setSample(x, y, 0, stroke(x, y) ? 1 : 0);
        return p;
    }

    static void assertStrokesOn(RgbImage img, int background, String what) {
        for (int y = 0; y < W; y++) {
            for (int x = 0; x < W; x++) {
                if (x == 6 && y == 1) continue;
                for (int c = 0; c < 3; c++) assertEquals(stroke(x, y) ? 0 : background, img.get(x, y, c), what + " at " + x + "," + y);
            }
        }
    }

    @Test
    void rgbaPngIsCompositedOverTheBackground() throws Exception {
        byte[] png = ImageEncoder.write(strokesRgba(), "png", -1);
        RgbImage white = ImageDecoder.decode(png, AlphaBackground.WHITE);
        assertStrokesOn(white, 255, "white");
        // alpha 128: red 255 * 128 + 255 * 127 over white, /255 rounded = 255; green and blue 255 * 127 / 255 = 127
        assertArrayEquals(new int[] {255, 127, 127}, new int[] {white.get(6, 1, 0), white.get(6, 1, 1), white.get(6, 1, 2)});
        RgbImage black = ImageDecoder.decode(png, AlphaBackground.BLACK);
        assertStrokesOn(black, 0, "black");
        assertArrayEquals(new int[] {128, 0, 0}, new int[] {black.get(6, 1, 0), black.get(6, 1, 1), black.get(6, 1, 2)});
        RgbImage grey = ImageDecoder.decode(png, AlphaBackground.parse("10,20,30"));
        assertArrayEquals(new int[] {10, 20, 30}, new int[] {grey.get(0, 0, 0), grey.get(0, 0, 1), grey.get(0, 0, 2)});
        // none: PIL's convert("RGB"), the stored colour (black) shows: the strokes vanish
        assertStrokesOn(ImageDecoder.decode(png, AlphaBackground.NONE), 0, "none");
    }

    @Test
    void paletteWithATransparentIndexInPngAndGif() throws Exception {
        for (String format : new String[] {"png", "gif"}) {
            byte[] bytes = ImageEncoder.write(strokesPalette(), format, -1);
            BufferedImage decoded = ImageDecoder.decodeImage(bytes);
            assertTrue(decoded.getColorModel() instanceof IndexColorModel icm && icm.getTransparentPixel() >= 0,
                    format + " kept its transparent index: " + decoded.getColorModel());
            assertStrokesOn(ImageDecoder.decode(bytes, AlphaBackground.WHITE), 255, format + " white");
            assertStrokesOn(ImageDecoder.decode(bytes, AlphaBackground.BLACK), 0, format + " black");
        }
    }

    @Test
    void greyWithAlphaPng() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        BufferedImage g = new BufferedImage(cm, cm.createCompatibleWritableRaster(W, W), false, null);
        for (int y = 0; y < W; y++) {
            for (int x = 0; x < W; x++) {
                g.getRaster().setSample(x, y, 0, 0);
                g.getRaster().setSample(x, y, 1, stroke(x, y) ? 255 : 0);
            }
        }
        byte[] png = ImageEncoder.write(g, "png", -1);
        assertEquals(2, ImageDecoder.decodeImage(png).getRaster().getNumBands(), "decoded as grey+alpha");
        assertStrokesOn(ImageDecoder.decode(png, AlphaBackground.WHITE), 255, "white");
        assertStrokesOn(ImageDecoder.decode(png, AlphaBackground.BLACK), 0, "black");
    }

    /** Fixtures written by cwebp from the same pixels (make_webp_fixture.py). */
    @Test
    void webpLosslessAndLossyWithAlpha() throws Exception {
        RgbImage lossless = ImageDecoder.decode(resource("transparent-lossless.webp"), AlphaBackground.WHITE);
        assertStrokesOn(lossless, 255, "lossless");
        assertArrayEquals(new int[] {255, 127, 127}, new int[] {lossless.get(6, 1, 0), lossless.get(6, 1, 1), lossless.get(6, 1, 2)});
        RgbImage lossy = ImageDecoder.decode(resource("transparent-lossy.webp"), AlphaBackground.WHITE);
        for (int y = 0; y < W; y++) {
            for (int x = 0; x < W; x++) {
                if (x == 6 && y == 1) continue;
                for (int c = 0; c < 3; c++) {
                    assertEquals(stroke(x, y) ? 0 : 255, lossy.get(x, y, c), 24, "lossy at " + x + "," + y);
                }
            }
        }
    }

    /** A JPEG whose EXIF says "turn 90 degrees clockwise" (6) comes out upright, as PIL's exif_transpose. */
    @Test
    void exifOrientationTurnsJpegsUpright() throws Exception {
        RgbImage src = new RgbImage(32, 16, new byte[32 * 16 * 3]);
        for (int y = 0; y < 16; y++) for (int x = 16; x < 32; x++) for (int c = 0; c < 3; c++) src.rgb()[(y * 32 + x) * 3 + c] = (byte) 255;
        byte[] jpg = ImageEncoder.jpeg(src, 1f);
        for (Map.Entry<Integer, int[]> e : Map.of(1, new int[] {32, 16}, 6, new int[] {16, 32}, 8, new int[] {16, 32}, 3, new int[] {32, 16}).entrySet()) {
            byte[] tagged = withOrientation(jpg, e.getKey());
            assertEquals(e.getKey(), ExifOrientation.of(tagged));
            RgbImage img = ImageDecoder.decode(tagged, AlphaBackground.WHITE);
            assertEquals(e.getValue()[0], img.width(), "orientation " + e.getKey());
            assertEquals(e.getValue()[1], img.height(), "orientation " + e.getKey());
            // the left (black) half of the stored image ends up: 1 left, 3 right, 6 top, 8 bottom
            int darkX = e.getKey() == 3 ? img.width() - 4 : e.getKey() == 1 ? 3 : img.width() / 2;
            int darkY = e.getKey() == 6 ? 3 : e.getKey() == 8 ? img.height() - 4 : img.height() / 2;
            assertTrue(img.get(darkX, darkY, 0) < 40, "orientation " + e.getKey() + ": dark at " + darkX + "," + darkY);
        }
        assertEquals(1, ExifOrientation.of(ImageEncoder.png(src)));
        assertEquals(1, ExifOrientation.of(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 100}));
    }

    @Test
    void alphaBackgroundParsesAndNamesWhatItAccepts() {
        assertEquals(AlphaBackground.WHITE, AlphaBackground.parse("white"));
        assertEquals(AlphaBackground.BLACK, AlphaBackground.parse(" Black "));
        assertEquals(new AlphaBackground(1, 2, 3), AlphaBackground.parse("1, 2,3"));
        assertEquals("1,2,3", new AlphaBackground(1, 2, 3).toString());
        for (String bad : new String[] {"grey", "1,2", "1,2,256", "-1,0,0", "", "a,b,c"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AlphaBackground.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("white, black, none or R,G,B"), e.getMessage());
        }
    }

    @Test
    void preprocessConfigRoundTripsThroughCheckpointMetadata() {
        PreprocessConfig p = PreprocessConfig.clip(32).withAlphaBackground(AlphaBackground.BLACK);
        assertEquals(p, PreprocessConfig.parse(p.toJson(), "test"));
        assertEquals(p, PreprocessConfig.fromMetadata(Map.of(PreprocessConfig.METADATA_KEY, p.toJson()), 32, "test"));
        assertEquals(PreprocessConfig.clip(32), PreprocessConfig.fromMetadata(Map.of(), 32, "old checkpoint"));
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.fromMetadata(Map.of(PreprocessConfig.METADATA_KEY, p.toJson()), 64, "ckpt"));
        assertTrue(size.getMessage().contains("image size 32"), size.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> PreprocessConfig.parse("{\"size\":32,\"interpolation\":\"bilinear\"}", "ckpt"));
        assertTrue(mode.getMessage().contains("bilinear"), mode.getMessage());
    }

    /** JPEG bytes with an APP1 Exif segment (big-endian TIFF, one IFD0 entry: orientation) after the SOI marker. */
    static byte[] withOrientation(byte[] jpg, int orientation) {
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0, 0};
        int len = 2 + 6 + tiff.length;
        byte[] out = new byte[jpg.length + 2 + len];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        out[2] = (byte) 0xFF;
        out[3] = (byte) 0xE1;
        out[4] = (byte) (len >> 8);
        out[5] = (byte) len;
        System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, out, 6, 6);
        System.arraycopy(tiff, 0, out, 12, tiff.length);
        System.arraycopy(jpg, 2, out, 12 + tiff.length, jpg.length - 2);
        return out;
    }

    private byte[] resource(String name) throws Exception {
        try (InputStream in = getClass().getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }
}
