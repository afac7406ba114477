package dev.jclip.data.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image bytes (JPEG, PNG, BMP and GIF with the JDK's ImageIO; WebP through TwelveMonkeys' ImageIO
 * plugin) and converts them to {@link RgbImage}: the first two steps of the one image pipeline (then
 * {@link ClipImageTransform}). Steps, each in one method:
 * <ol>
 *   <li>{@link #read}: the decoder's own result, refused when larger than the limits of {@link ImageSizeGuard} (from the
 *       header, before decoding) or when the decoder warns;</li>
 *   <li>{@link ExifOrientation}: JPEGs stored sideways are turned upright as their EXIF orientation says;</li>
 *   <li>{@link #toRgb}: 8-bit RGB with transparency composited over an {@link AlphaBackground} (white by
 *       default): PNG alpha, palette PNGs with a transparent index (tRNS), grey+alpha, GIF transparency, WebP
 *       alpha. Greyscale is replicated into R, G and B (read from the raster, not via {@code getRGB}, which would
 *       apply a linear-to-sRGB curve to grey); palette indices are looked up; CMYK JPEGs use PIL's formula.</li>
 * </ol>
 * Thread-safe: every call uses its own {@link ImageReader}.
 *
 * <p>Like PIL (which refuses truncated files unless told otherwise), any decoder warning, such as
 * "premature end of JPEG data", makes the image corrupt rather than silently grey-filled.
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode from memory, never through temporary files
    }

    private ImageDecoder() {
    }

    /** Decodes, turns upright and converts to RGB over {@code background}; corrupt or unsupported data throws. */
    public static RgbImage decode(byte[] bytes, AlphaBackground background) throws ImageDecodeException {
        return toRgb(decodeImage(bytes), background);
    }

    /**
     * The decoded image turned upright, alpha still in it: what {@link #toRgb} takes. Its size is checked from
     * the header before decoding ({@link ImageSizeGuard}); a decoder running out of heap is "too large".
     */
    public static BufferedImage decodeImage(byte[] bytes) throws ImageDecodeException {
        try (ImageSizeGuard admitted = ImageSizeGuard.admit(bytes)) {
            return ExifOrientation.upright(read(bytes), ExifOrientation.of(bytes));
        } catch (OutOfMemoryError e) {
            throw ImageSizeGuard.outOfMemory(e);
        }
    }

    /** {@link #decodeImage} of a file, read within the record limit; errors name the file. */
    public static BufferedImage readFile(Path file) throws IOException {
        try {
            return decodeImage(dev.jclip.data.shards.ShardWriter.readRecord(file));
        } catch (ImageDecodeException e) {
            throw new IOException(file + ": cannot decode image: " + e.getMessage(), e);
        }
    }

    /** Reads the first image; the raw decoder result, before orientation and RGB conversion. */
    static BufferedImage read(byte[] bytes) throws ImageDecodeException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) throw new ImageDecodeException("unrecognised image format", false, null);
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                ImageSizeGuard.check(reader.getWidth(0), reader.getHeight(0));
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new ImageDecodeException("decoder warning: " + warnings.get(0), false, null);
                }
                if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
                    throw new ImageDecodeException("decoder returned no image", false, null);
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IIOException e) {
            String m = String.valueOf(e.getMessage());
            boolean unsupported = m.contains("Unsupported Image Type") || m.contains("Unsupported JPEG process");
            throw new ImageDecodeException(m, unsupported, e);
        } catch (IOException | RuntimeException e) {
            // ImageIO plugins throw assorted runtime exceptions on garbage (IndexOutOfBounds, NegativeArraySize...)
            throw new ImageDecodeException(e.toString(), false, e);
        }
    }

    /**
     * 8-bit RGB, transparent pixels composited over {@code background} as PIL's
     * {@code Image.new("RGB", size, background).paste(img, mask=img)} does: {@code (c a + b (255 - a)) / 255},
     * rounded. With {@link AlphaBackground#NONE} the alpha is dropped and the stored colour kept, as PIL's
     * {@code convert("RGB")}.
     */
    public static RgbImage toRgb(BufferedImage img, AlphaBackground background) throws ImageDecodeException {
        try {
            RgbImage rgb = storedColours(img);
            if (!background.composites() || !img.getColorModel().hasAlpha()) return rgb;
            return composite(rgb, alpha(img), background);
        } catch (RuntimeException e) {
            throw new ImageDecodeException("cannot convert " + describe(img) + " to RGB: " + e, true, e);
        }
    }

    /** Blends each pixel with the background by its alpha (8 bits), in place, with PIL's rounding. */
    private static RgbImage composite(RgbImage img, byte[] alpha, AlphaBackground bg) {
        byte[] p = img.rgb();
        int[] b = {bg.red(), bg.green(), bg.blue()};
        for (int i = 0, o = 0; i < alpha.length; i++, o += 3) {
            int a = alpha[i] & 0xff;
            if (a == 255) continue;
            for (int c = 0; c < 3; c++) {
                int t = (p[o + c] & 0xff) * a + b[c] * (255 - a) + 128;
                p[o + c] = (byte) (((t >> 8) + t) >> 8);
            }
        }
        return img;
    }

    /** Each pixel's opacity as 8 bits, from the palette, the raster's alpha band, or Java2D for anything else. */
    private static byte[] alpha(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        byte[] out = new byte[w * h];
        int[] v = new int[w];
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, v);
                for (int x = 0; x < w; x++) out[y * w + x] = (byte) icm.getAlpha(v[x]);
            }
        } else if ((cm instanceof ComponentColorModel || cm instanceof DirectColorModel) && !cm.isAlphaPremultiplied()) {
            int band = cm.getNumComponents() - 1; // alpha is the last component: grey+alpha, RGBA, ARGB ints
            int bits = cm.getComponentSize(band);
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, band, v);
                for (int x = 0; x < w; x++) out[y * w + x] = (byte) to8(v[x], bits);
            }
        } else {
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, v, 0, w);
                for (int x = 0; x < w; x++) out[y * w + x] = (byte) (v[x] >>> 24);
            }
        }
        return out;
    }

    /** Each pixel's stored colour as 8-bit RGB, alpha not applied (PIL's convert("RGB")). */
    private static RgbImage storedColours(BufferedImage img) {
        if (img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK && img.getRaster().getNumBands() == 4) {
            return cmykToRgb(img.getRaster());
        }
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel icm) {
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, idx);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    out[o] = (byte) icm.getRed(idx[x]);
                    out[o + 1] = (byte) icm.getGreen(idx[x]);
                    out[o + 2] = (byte) icm.getBlue(idx[x]);
                }
            }
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !cm.isAlphaPremultiplied()
                && cm instanceof ComponentColorModel) {
            int bits = cm.getComponentSize(0);
            int[] v = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, v);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    byte g = (byte) to8(v[x], bits);
                    out[o] = g;
                    out[o + 1] = g;
                    out[o + 2] = g;
                }
            }
        } else if (cm.getColorSpace().isCS_sRGB() && !cm.isAlphaPremultiplied()
                && (cm instanceof ComponentColorModel || cm instanceof DirectColorModel)) {
            if (!copyInterleavedBytes(r, cm, out, w, h)) {
                int[] bits = {cm.getComponentSize(0), cm.getComponentSize(1), cm.getComponentSize(2)};
                int[] v = new int[w];
                for (int c = 0; c < 3; c++) {
                    for (int y = 0; y < h; y++) {
                        r.getSamples(0, y, w, 1, c, v);
                        for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) out[o] = (byte) to8(v[x], bits[c]);
                    }
                }
            }
        } else {
            // Anything else (other colour spaces, premultiplied alpha): Java2D converts to sRGB, alpha left aside.
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    out[o] = (byte) (row[x] >> 16);
                    out[o + 1] = (byte) (row[x] >> 8);
                    out[o + 2] = (byte) row[x];
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * CMYK to RGB as PIL's {@code convert("RGB")} does it: {@code R = (255 - C) * (255 - K) / 255} with PIL's
     * rounding (likewise G from M, B from Y), no ICC profile. The JDK's JPEG reader already undoes the inverted
     * storage of Adobe CMYK JPEGs (checked against PIL on an Adobe CMYK JPEG: identical).
     */
    static RgbImage cmykToRgb(Raster r) {
        int w = r.getWidth();
        int h = r.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[w * 4];
        for (int y = 0; y < h; y++) {
            r.getPixels(r.getMinX(), r.getMinY() + y, w, 1, px);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int nk = 255 - px[x * 4 + 3];
                for (int c = 0; c < 3; c++) {
                    int t = px[x * 4 + c] * nk + 128;
                    int v = nk - (((t >> 8) + t) >> 8);
                    out[o + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Fast path for the common 8-bit interleaved layouts (JPEG's BGR, PNG's RGB/RGBA): no per-sample calls. */
    private static boolean copyInterleavedBytes(Raster r, ColorModel cm, byte[] out, int w, int h) {
        if (!(r.getDataBuffer() instanceof DataBufferByte db) || !(r.getSampleModel() instanceof PixelInterleavedSampleModel sm)) {
            return false;
        }
        for (int c = 0; c < 3; c++) if (cm.getComponentSize(c) != 8) return false;
        if (r.getSampleModelTranslateX() != 0 || r.getSampleModelTranslateY() != 0 || db.getNumBanks() != 1) return false;
        byte[] data = db.getData();
        int[] bandOff = sm.getBandOffsets();
        int stride = sm.getPixelStride();
        int scan = sm.getScanlineStride();
        int base = db.getOffset();
        int r0 = bandOff[0];
        int g0 = bandOff[1];
        int b0 = bandOff[2];
        for (int y = 0; y < h; y++) {
            int p = base + y * scan;
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3, p += stride) {
                out[o] = data[p + r0];
                out[o + 1] = data[p + g0];
                out[o + 2] = data[p + b0];
            }
        }
        return true;
    }

    private static int to8(int v, int bits) {
        if (bits == 8) return v;
        if (bits > 8) return v >>> (bits - 8);
        int max = (1 << bits) - 1;
        return (v * 255 + max / 2) / max;
    }

    private static String describe(BufferedImage img) {
        return img.getWidth() + "x" + img.getHeight() + " type " + img.getType() + " " + img.getColorModel().getClass().getSimpleName();
    }
}
