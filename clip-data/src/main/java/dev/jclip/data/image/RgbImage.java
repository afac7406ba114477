package dev.jclip.data.image;

/**
 * An 8-bit RGB image, pixels row-major and interleaved ({@code r,g,b,r,g,b,...}), the form every decoded input
 * is converted to before resampling (like PIL's mode "RGB").
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("rgb holds " + rgb.length + " bytes, " + width + "x" + height + " needs " + (width * height * 3));
        }
    }

    /** Channel {@code c} (0=R, 1=G, 2=B) of pixel (x, y) as 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }
}
