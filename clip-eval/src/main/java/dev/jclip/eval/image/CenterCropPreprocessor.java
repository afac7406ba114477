package dev.jclip.eval.image;

import java.awt.image.BufferedImage;

/**
 * CLIP's evaluation transform: resize so the shorter side is S (bicubic, as Pillow; the longer side is
 * {@code floor(S * long / short)} like torchvision), crop the centre S x S, scale to 0..1 and normalise each
 * channel with CLIP's mean and standard deviation. Greyscale images become RGB by copying the channel.
 */
public final class CenterCropPreprocessor implements ImagePreprocessor {
    /** CLIP's per-channel mean (RGB). */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** CLIP's per-channel standard deviation (RGB). */
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;
    private final float[] mean;
    private final float[] std;

    /** With CLIP's mean and std. */
    public CenterCropPreprocessor(int size) {
        this(size, CLIP_MEAN, CLIP_STD);
    }

    public CenterCropPreprocessor(int size, float[] mean, float[] std) {
        if (size <= 0) throw new IllegalArgumentException("image size must be positive, got " + size);
        this.size = size;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void write(BufferedImage image, float[] dst, int offset) {
        Rgb crop = resizeAndCrop(Rgb.of(image), size);
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            float[] p = crop.planes[c];
            for (int i = 0; i < plane; i++) dst[offset + c * plane + i] = (p[i] / 255f - mean[c]) / std[c];
        }
    }

    /** The resized and cropped image in 0..255 (package-private: tests compare it with Pillow). */
    static Rgb resizeAndCrop(Rgb src, int size) {
        int w = src.width;
        int h = src.height;
        int nw;
        int nh;
        if (w <= h) {
            nw = size;
            nh = (int) ((long) size * h / w);
        } else {
            nh = size;
            nw = (int) ((long) size * w / h);
        }
        Rgb resized = BicubicResampler.resize(src, nw, nh);
        int top = (int) Math.rint((nh - size) / 2.0); // round half to even, as Python's round() in torchvision
        int left = (int) Math.rint((nw - size) / 2.0);
        if (top == 0 && left == 0 && nw == size && nh == size) return resized;
        Rgb out = new Rgb(size, size);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(resized.planes[c], (top + y) * nw + left, out.planes[c], y * size, size);
            }
        }
        return out;
    }
}
