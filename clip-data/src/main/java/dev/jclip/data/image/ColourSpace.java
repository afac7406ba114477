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
            double[] rgb = hsvToRgb(h, s, max);
            out[i] = AugmentationConfig.clampByte(rgb[0] * 255);
            out[i + 1] = AugmentationConfig.clampByte(rgb[1] * 255);
            out[i + 2] = AugmentationConfig.clampByte(rgb[2] * 255);
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    private static double[] hsvToRgb(double h, double s, double v) {
        double h6 = h * 6;
        int sector = (int) Math.floor(h6) % 6;
        double f = h6 - Math.floor(h6);
        double p = v * (1 - s);
        double q = v * (1 - s * f);
        double t = v * (1 - s * (1 - f));
        return switch (sector) {
            case 0 -> new double[] {v, t, p};
            case 1 -> new double[] {q, v, p};
            case 2 -> new double[] {p, v, t};
            case 3 -> new double[] {p, q, v};
            case 4 -> new double[] {t, p, v};
            default -> new double[] {v, p, q};
        };
    }
}
