package dev.jclip.data.image;

/** RGB to HSV and back on 8-bit images, for the colour jitter's hue shift (as torchvision's {@code adjust_hue}). */
final class ColourSpace {
    private ColourSpace() {
    }

    /** Every pixel's hue turned by {@code turns} (in [-0.5, 0.5]); saturation and value kept. */
    static RgbImage shiftHue(RgbImage img, double turns) {
        byte[] p = img.rgb();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i += 3) {
            double r = (p[i] & 0xff) / 255.0;
            double g = (p[i + 1] & 0xff) / 255.0;
            double b = (p[i + 2] & 0xff) / 255.0;
            double max = Math.max(r, Math.max(g, b));
            double min = Math.min(r, Math.min(g, b));
            double d = max - min;
            double h = 0;
            if (d > 0) {
                if (max == r) h = ((g - b) / d) / 6.0;
                else if (max == g) h = ((b - r) / d + 2) / 6.0;
                else h = ((r - g) / d + 4) / 6.0;
            }
            h = h + turns;
            h -= Math.floor(h);
            double s = max == 0 ? 0 : d / max;
            hsvInto(h, s, max, out, i);
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** HSV (each in [0, 1]) to 8-bit RGB at {@code out[at..at+2]}. */
    private static void hsvInto(double h, double s, double v, byte[] out, int at) {
        double h6 = h * 6;
        double sectorStart = Math.floor(h6);
        int sector = (int) sectorStart % 6;
        double f = h6 - sectorStart;
        double p = v * (1 - s);
        double q = v * (1 - s * f);
        double t = v * (1 - s * (1 - f));
        double r, g, b;
        switch (sector) {
            case 0 -> { r = v; g = t; b = p; }
            case 1 -> { r = q; g = v; b = p; }
            case 2 -> { r = p; g = v; b = t; }
            case 3 -> { r = p; g = q; b = v; }
            case 4 -> { r = t; g = p; b = v; }
            default -> { r = v; g = p; b = q; }
        }
        out[at] = AugmentationConfig.clampByte(r * 255);
        out[at + 1] = AugmentationConfig.clampByte(g * 255);
        out[at + 2] = AugmentationConfig.clampByte(b * 255);
    }
}
