package dev.jclip.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Colour conversions follow PIL's convert("RGB") (with {@link AlphaBackground#NONE}; compositing is in
 * {@link TransparencyTest}); broken data is reported, never returned.
 */
class ImageDecoderTest {
    @Test
    void greyscaleIsReplicatedWithoutAGammaCurve() throws Exception {
        BufferedImage g = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 15; i++) g.getRaster().setSample(i % 5, i / 5, 0, i * 17);
        RgbImage rgb = ImageDecoder.decode(ImageEncoder.write(g, "png", -1), AlphaBackground.NONE);
        for (int i = 0; i < 15; i++) {
            for (int c = 0; c < 3; c++) assertEquals(i * 17, rgb.get(i % 5, i / 5, c), "pixel " + i);
        }
        // getRGB would have brightened mid grey (linear -> sRGB): make sure we did not go that way
        assertEquals(119, rgb.get(2, 1, 0));
    }

    @Test
    void sixteenBitGreyKeepsTheHighByte() throws Exception {
        BufferedImage g = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 0x1234);
        g.getRaster().setSample(1, 0, 0, 0xFFFF);
        RgbImage rgb = ImageDecoder.decode(ImageEncoder.write(g, "png", -1), AlphaBackground.NONE);
        assertEquals(0x12, rgb.get(0, 0, 1));
        assertEquals(255, rgb.get(1, 0, 2));
    }

    @Test
    void paletteIndicesAreLookedUp() throws Exception {
        byte[] r = {(byte) 255, 0, 10};
        byte[] gr = {0, (byte) 255, 20};
        byte[] b = {0, 0, 30};
        BufferedImage p = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 3, r, gr, b));
        WritableRaster ras = p.getRaster();
        int[] idx = {0, 1, 2, 2, 1, 0};
        for (int i = 0; i < 6; i++) ras.setSample(i % 3, i / 3, 0, idx[i]);
        for (String fmt : new String[] {"png"}) { // (the JDK's BMP and GIF writers mangle tiny palette images)
            RgbImage rgb = ImageDecoder.decode(ImageEncoder.write(p, fmt, -1), AlphaBackground.NONE);
            for (int i = 0; i < 6; i++) {
                assertEquals(r[idx[i]] & 0xff, rgb.get(i % 3, i / 3, 0), fmt);
                assertEquals(gr[idx[i]] & 0xff, rgb.get(i % 3, i / 3, 1), fmt);
                assertEquals(b[idx[i]] & 0xff, rgb.get(i % 3, i / 3, 2), fmt);
            }
        }
    }

    @Test
    void alphaIsDroppedKeepingTheStoredColour() throws Exception {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00FF8040); // fully transparent orange: PIL's convert("RGB") keeps (255, 128, 64)
        a.setRGB(1, 0, 0x8010E0F0); // half transparent: colour kept as stored, no compositing
        RgbImage rgb = ImageDecoder.decode(ImageEncoder.write(a, "png", -1), AlphaBackground.NONE);
        assertArrayEquals(new byte[] {(byte) 255, (byte) 128, 64, 0x10, (byte) 0xE0, (byte) 0xF0}, rgb.rgb());
    }

    @Test
    void rgbPngAndBmpAreLossless() throws Exception {
        RgbImage src = BicubicResamplerTest.random(13, 7, 1);
        assertArrayEquals(src.rgb(), ImageDecoder.decode(ImageEncoder.png(src), AlphaBackground.NONE).rgb());
        assertArrayEquals(src.rgb(), ImageDecoder.decode(ImageEncoder.write(ImageEncoder.toBufferedImage(src), "bmp", -1), AlphaBackground.NONE).rgb());
    }

    @Test
    void brokenDataIsCorrupt() {
        RgbImage src = BicubicResamplerTest.random(64, 64, 2);
        byte[] jpg = ImageEncoder.jpeg(src, 0.9f);
        for (double keep : new double[] {0.05, 0.5, 0.9, 0.99}) {
            byte[] cut = Arrays.copyOf(jpg, (int) (jpg.length * keep));
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(cut, AlphaBackground.NONE), "kept " + keep);
            assertFalse(e.unsupported(), e.getMessage());
        }
        ImageDecodeException garbage = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(new byte[] {1, 2, 3}, AlphaBackground.NONE));
        assertFalse(garbage.unsupported());
        byte[] webp = {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L'};
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(webp, AlphaBackground.NONE), "truncated WebP");
    }

    @Test
    void decompressionBombsAreRefusedFromTheHeader() throws Exception {
        byte[] png = ImageEncoder.png(BicubicResamplerTest.random(1, 1, 3));
        // IHDR data starts at byte 16: width, height (big-endian), then its CRC at 29
        java.nio.ByteBuffer.wrap(png, 16, 8).putInt(20000).putInt(10000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        java.nio.ByteBuffer.wrap(png, 29, 4).putInt((int) crc.getValue());
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(png, AlphaBackground.NONE));
        assertTrue(e.unsupported() && e.getMessage().contains("too large"), e.getMessage());
    }
}
