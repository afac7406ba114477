package dev.jclip.eval.image;

/**
 * Separable bicubic resampling (Keys kernel, a = -0.5) with Pillow's antialiasing: when shrinking, the kernel is
 * stretched by the scale factor so every source pixel contributes. Horizontal pass first, then vertical, each
 * rounded and clamped to 0..255 like Pillow's 8-bit path, so results agree with
 * {@code PIL.Image.resize(..., BICUBIC)} (what CLIP's preprocessing uses) to within one grey level.
 */
final class BicubicResampler {
    private static final double A = -0.5;
    private static final double SUPPORT = 2.0;

    private BicubicResampler() {
    }

    static Rgb resize(Rgb src, int width, int height) {
        if (width == src.width && height == src.height) return src;
        Rgb horizontal = new Rgb(width, src.height);
        Weights wx = Weights.of(src.width, width);
        for (int c = 0; c < 3; c++) {
            float[] in = src.planes[c];
            float[] out = horizontal.planes[c];
            for (int y = 0; y < src.height; y++) {
                for (int x = 0; x < width; x++) {
                    double s = 0;
                    int start = wx.start[x];
                    double[] w = wx.weights[x];
                    for (int k = 0; k < w.length; k++) s += w[k] * in[y * src.width + start + k];
                    out[y * width + x] = clamp8(s);
                }
            }
        }
        Rgb result = new Rgb(width, height);
        Weights wy = Weights.of(src.height, height);
        for (int c = 0; c < 3; c++) {
            float[] in = horizontal.planes[c];
            float[] out = result.planes[c];
            for (int y = 0; y < height; y++) {
                int start = wy.start[y];
                double[] w = wy.weights[y];
                for (int x = 0; x < width; x++) {
                    double s = 0;
                    for (int k = 0; k < w.length; k++) s += w[k] * in[(start + k) * width + x];
                    out[y * width + x] = clamp8(s);
                }
            }
        }
        return result;
    }

    private static float clamp8(double v) {
        return (float) Math.max(0, Math.min(255, Math.floor(v + 0.5)));
    }

    static double kernel(double x) {
        x = Math.abs(x);
        if (x < 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * A;
        return 0;
    }

    /** For each output pixel, the first contributing input pixel and the normalised weights. */
    private record Weights(int[] start, double[][] weights) {
        static Weights of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            int[] start = new int[outSize];
            double[][] weights = new double[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int k = 0; k < w.length; k++) {
                    w[k] = kernel((k + lo - center + 0.5) / filterScale);
                    sum += w[k];
                }
                for (int k = 0; k < w.length; k++) w[k] = sum == 0 ? 0 : w[k] / sum;
                start[o] = lo;
                weights[o] = w;
            }
            return new Weights(start, weights);
        }
    }
}
