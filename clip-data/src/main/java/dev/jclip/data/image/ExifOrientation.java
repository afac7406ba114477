package dev.jclip.data.image;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;

/**
 * A JPEG's EXIF orientation (tag 0x0112 of the first IFD in its APP1 {@code Exif} segment) and the turn that
 * makes the image upright, as PIL's {@code ImageOps.exif_transpose}: cameras store portrait photos sideways and
 * say so here. Values 1..8 as in the EXIF standard; 1 (or no tag, or any other format) leaves the image as it is.
 */
final class ExifOrientation {
    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {
    }

    /** The orientation recorded in JPEG bytes, 1 when there is none or the segment is malformed. */
    static int of(byte[] b) {
        if (b.length < 4 || (b[0] & 0xff) != 0xFF || (b[1] & 0xff) != 0xD8) return 1;
        int p = 2;
        while (p + 4 <= b.length && (b[p] & 0xff) == 0xFF) {
            int marker = b[p + 1] & 0xff;
            if (marker == 0xDA || marker == 0xD9) return 1; // image data starts: no EXIF before it
            int len = u16(b, p + 2, false);
            if (len < 2 || p + 2 + len > b.length) return 1;
            if (marker == 0xE1 && len >= 8 && b[p + 4] == 'E' && b[p + 5] == 'x' && b[p + 6] == 'i' && b[p + 7] == 'f'
                    && b[p + 8] == 0 && b[p + 9] == 0) {
                return fromTiff(b, p + 10, p + 2 + len);
            }
            p += 2 + len;
        }
        return 1;
    }

    /** Tag 0x0112 of IFD0 in the TIFF structure at {@code b[start, end)}. */
    private static int fromTiff(byte[] b, int start, int end) {
        if (end - start < 8) return 1;
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') little = true;
        else if (b[start] == 'M' && b[start + 1] == 'M') little = false;
        else return 1;
        long ifd = u32(b, start + 4, little);
        if (ifd < 8 || start + ifd + 2 > end) return 1;
        int at = (int) (start + ifd);
        int entries = u16(b, at, little);
        for (int i = 0; i < entries; i++) {
            int e = at + 2 + 12 * i;
            if (e + 12 > end) return 1;
            if (u16(b, e, little) == TAG_ORIENTATION) {
                int v = u16(b, e + 8, little); // type SHORT, count 1: the value sits in the first two bytes
                return v >= 1 && v <= 8 ? v : 1;
            }
        }
        return 1;
    }

    /** The image turned upright for {@code orientation}; the same object for 1. Any colour model. */
    static BufferedImage upright(BufferedImage img, int orientation) {
        if (orientation <= 1 || orientation > 8) return img;
        int w = img.getWidth();
        int h = img.getHeight();
        boolean swap = orientation >= 5; // 5..8 exchange width and height
        WritableRaster src = img.getRaster();
        WritableRaster dst = src.createCompatibleWritableRaster(swap ? h : w, swap ? w : h);
        Object px = null;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px = src.getDataElements(x, y, px);
                switch (orientation) {
                    case 2 -> dst.setDataElements(w - 1 - x, y, px);          // mirrored
                    case 3 -> dst.setDataElements(w - 1 - x, h - 1 - y, px);  // upside down
                    case 4 -> dst.setDataElements(x, h - 1 - y, px);          // mirrored vertically
                    case 5 -> dst.setDataElements(y, x, px);                  // transposed
                    case 6 -> dst.setDataElements(h - 1 - y, x, px);          // turn 90 degrees clockwise
                    case 7 -> dst.setDataElements(h - 1 - y, w - 1 - x, px);  // transversed
                    default -> dst.setDataElements(y, w - 1 - x, px);         // 8: turn 90 degrees anticlockwise
                }
            }
        }
        return new BufferedImage(img.getColorModel(), dst, img.isAlphaPremultiplied(), null);
    }

    private static int u16(byte[] b, int p, boolean little) {
        int a = b[p] & 0xff;
        int c = b[p + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long hi = u16(b, little ? p + 2 : p, little);
        long lo = u16(b, little ? p : p + 2, little);
        return hi << 16 | lo;
    }
}
