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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG, PNG, BMP and GIF bytes with the JDK's ImageIO and converts the result to {@link RgbImage} the
 * way PIL's {@code convert("RGB")} does: greyscale is replicated into R, G and B (read from the raster, not via
 * {@code getRGB}, which would apply a linear-to-sRGB curve to grey), palette indices are looked up, and alpha
 * is dropped (the stored colour is kept as it is, not composited over any background). Thread-safe: every call
 * uses its own {@link ImageReader}.
 *
 * <p>Like PIL (which refuses truncated files unless told otherwise), any decoder warning, such as
 * "premature end of JPEG data", makes the image corrupt rather than silently grey-filled. CMYK JPEGs (which
 * the JDK 17 reader returns as CMYK rasters) are converted with PIL's formula, see {@link #cmykToRgb}. Not
 * handled, and reported as unsupported: WebP (the JDK has no decoder).
 */
public final class ImageDecoder {
    static {
        ImageIO.setUseCache(false); // decode from memory, never through temporary files
    }

    private ImageDecoder() {
    }

    /** Decodes and converts to RGB; throws {@link ImageDecodeException} for corrupt or unsupported data. */
    public static RgbImage decode(byte[] bytes) throws ImageDecodeException {
        try (ImageSizeGuard admitted = ImageSizeGuard.admit(bytes)) { // size from the header, before decoding
            BufferedImage img = read(bytes);
            try {
                if (img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK && img.getRaster().getNumBands() == 4) {
                    return cmykToRgb(img.getRaster());
                }
                return toRgb(img);
            } catch (RuntimeException e) {
                throw new ImageDecodeException("cannot convert " + describe(img) + " to RGB: " + e, true, e);
            }
        } catch (OutOfMemoryError e) {
            throw ImageSizeGuard.outOfMemory(e);
        }
    }

    /** Reads the first image; the raw decoder result, before RGB conversion. */
    static BufferedImage read(byte[] bytes) throws ImageDecodeException {
        if (isWebp(bytes)) throw new ImageDecodeException("WebP is not supported by the JDK's ImageIO", true, null);
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

    private static boolean isWebp(byte[] b) {
        return b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P';
    }

    /** Converts any decoded image to 8-bit RGB as PIL's convert("RGB") would (see the class comment). */
    static RgbImage toRgb(BufferedImage img) {
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
            // Anything else (other colour spaces, premultiplied alpha): let Java2D convert to sRGB, alpha dropped.
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
