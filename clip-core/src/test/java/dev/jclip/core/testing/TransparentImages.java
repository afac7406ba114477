package dev.jclip.core.testing;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * Transparent test pictures, as line art is stored: black strokes on a transparent background, as an RGBA image
 * (with one half-transparent orange pixel) and as a palette image whose index 0 is transparent; and the same
 * pictures composited onto an opaque background by the textbook formula, the reference the image pipeline is
 * checked against.
 */
public final class TransparentImages {
    private TransparentImages() {
    }

    static boolean stroke(int x, int y) {
        return x % 9 == 2 || y % 7 == 3 || Math.abs(x - y) < 2;
    }

    public static BufferedImage rgba(int w, int h) {
        BufferedImage a = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) a.setRGB(x, y, stroke(x, y) ? 0xFF000000 : 0x00000000);
        a.setRGB(w / 2, h / 3, 0x80FF8000);
        return a;
    }

    /** Index 0 transparent (its stored colour black), index 1 opaque black. */
    public static BufferedImage palette(int w, int h) {
        byte[] zero = {0, 0};
        BufferedImage p = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 2, zero, zero, zero, 0));
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) p.getRaster().setSample(x, y, 0, stroke(x, y) ? 1 : 0);
        return p;
    }

    /** Opaque RGB: each channel {@code round((c a + b (255 - a)) / 255)} over the grey level {@code background}. */
    public static BufferedImage onBackground(BufferedImage img, int background) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int argb = img.getColorModel().getRGB(img.getRaster().getDataElements(x, y, null));
                int a = argb >>> 24;
                int rgb = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    int c = (argb >> shift) & 0xff;
                    rgb |= (int) Math.round((c * a + background * (255 - a)) / 255.0) << shift;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    public static byte[] png(BufferedImage img) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", bytes)) throw new IllegalStateException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
