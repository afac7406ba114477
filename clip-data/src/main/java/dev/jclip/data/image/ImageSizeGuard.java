package dev.jclip.data.image;

import dev.jclip.core.io.Limits;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.Semaphore;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Admits an image to decoding, as PIL's {@code MAX_IMAGE_PIXELS} does: its width and height are read from the
 * header (no pixel data) and refused as {@link ImageTooLargeException} when they exceed
 * {@link Limits#IMAGE_PIXELS} or {@link Limits#IMAGE_ASPECT}. An admitted image then holds a share of
 * {@link Limits#DECODE_PIXELS} while it decodes (threads wait for their share), so decoding in parallel never
 * needs more heap than one image at the limit, whatever the worker count: what fails for lack of heap fails the
 * same way at 1 and at 4 workers. Use it as {@code try (var admitted = ImageSizeGuard.admit(bytes)) {...}}.
 */
public final class ImageSizeGuard implements AutoCloseable {
    /** Shares of the decode budget are counted in units of 1024 pixels (a semaphore counts ints). */
    private static final int UNIT = 1024;
    private static final long BUDGET_UNITS = Math.min(Integer.MAX_VALUE, Math.max(1, Limits.DECODE_PIXELS.get() / UNIT));
    private static final Semaphore BUDGET = new Semaphore((int) BUDGET_UNITS, true);

    private final int units;

    private ImageSizeGuard(int units) {
        this.units = units;
    }

    /**
     * Checks the header's size and waits for the image's share of the decode budget.
     *
     * @throws ImageTooLargeException when the image is over a limit
     */
    public static ImageSizeGuard admit(byte[] bytes) throws ImageTooLargeException {
        long[] wh = checkHeader(bytes);
        if (wh == null) return new ImageSizeGuard(0); // not an image ImageIO knows: the decoder says so
        int units = (int) Math.max(1, (wh[0] * wh[1] + UNIT - 1) / UNIT);
        BUDGET.acquireUninterruptibly(units);
        return new ImageSizeGuard(units);
    }

    /**
     * The header's width and height, refused when over a limit (what the loader would refuse, without decoding);
     * null when the header is unreadable.
     */
    public static long[] checkHeader(byte[] bytes) throws ImageTooLargeException {
        long[] wh = headerSize(bytes);
        if (wh != null) check(wh[0], wh[1]);
        return wh;
    }

    /** Refuses a {@code width x height} image over the pixel or aspect-ratio limit. */
    public static void check(long width, long height) throws ImageTooLargeException {
        long pixels = width * height;
        if (Limits.IMAGE_PIXELS.exceededBy(pixels)) {
            throw new ImageTooLargeException("image too large: " + width + "x" + height + " is " + Limits.IMAGE_PIXELS.explain(pixels), null);
        }
        if (pixels / UNIT > BUDGET_UNITS) {
            throw new ImageTooLargeException("image too large: " + width + "x" + height + " is "
                    + Limits.DECODE_PIXELS.explain(pixels), null);
        }
        long aspect = Math.max(width, height) / Math.max(1, Math.min(width, height));
        if (Limits.IMAGE_ASPECT.exceededBy(aspect)) {
            throw new ImageTooLargeException("image too large: " + width + "x" + height + ": an aspect ratio (longer side over "
                    + "shorter) of " + Limits.IMAGE_ASPECT.explain(aspect) + "; resizing its shorter side to the model's "
                    + "size would make the longer one too large", null);
        }
    }

    /** The decoder ran out of heap: the image is too large for this JVM, not corrupt. */
    public static ImageTooLargeException outOfMemory(OutOfMemoryError e) {
        return new ImageTooLargeException("image too large: decoding it ran out of heap (" + e.getMessage()
                + "); lower -D" + Limits.DECODE_PIXELS.property() + " or give the JVM more heap", null);
    }

    /**
     * Width and height from the header (ImageIO reads only as far as the frame header), or null when no
     * reader recognises the bytes or the header itself is unreadable: those are the decoder's to report.
     */
    static long[] headerSize(byte[] bytes) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new long[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Gives the image's share of the decode budget back. */
    @Override
    public void close() {
        if (units > 0) BUDGET.release(units);
    }
}
