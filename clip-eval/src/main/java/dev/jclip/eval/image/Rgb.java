package dev.jclip.eval.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/** An image as three planes of 0..255 values, row-major: the working form for resizing. */
final class Rgb {
    final int width;
    final int height;
    final float[][] planes; // [3][height * width]

    Rgb(int width, int height) {
        this.width = width;
        this.height = height;
        this.planes = new float[3][width * height];
    }

    /**
     * Reads any BufferedImage. Greyscale images are read from the raster (going through getRGB would apply a
     * colour-space conversion and change the values) and copied to all three channels; alpha is dropped.
     */
    static Rgb of(BufferedImage img) {
        Rgb out = new Rgb(img.getWidth(), img.getHeight());
        int n = img.getWidth() * img.getHeight();
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            Raster r = img.getRaster();
            int[] v = r.getSamples(0, 0, img.getWidth(), img.getHeight(), 0, (int[]) null);
            for (int i = 0; i < n; i++) {
                out.planes[0][i] = v[i];
                out.planes[1][i] = v[i];
                out.planes[2][i] = v[i];
            }
            return out;
        }
        int[] argb = img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
        for (int i = 0; i < n; i++) {
            out.planes[0][i] = (argb[i] >> 16) & 0xff;
            out.planes[1][i] = (argb[i] >> 8) & 0xff;
            out.planes[2][i] = argb[i] & 0xff;
        }
        return out;
    }
}
