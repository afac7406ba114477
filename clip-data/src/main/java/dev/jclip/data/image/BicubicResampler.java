package dev.jclip.data.image;

/**
 * Bicubic resampling as PIL's {@code Image.resize(size, BICUBIC)} computes it, so that images fed to a model
 * trained with open_clip's transforms look the same: cubic convolution with a = -0.5, antialiased when
 * shrinking (the kernel is stretched by the scale factor so every source pixel contributes), separable with the
 * horizontal pass first, weights normalised per output pixel and converted to 22-bit fixed point, and both
 * passes rounding and clipping to 8 bits (the intermediate image is 8-bit in PIL too).
 *
 * <p>Output pixel {@code i} of a pass that maps {@code in} source pixels to {@code out} has its centre at
 * {@code (i + 0.5) * in / out} in source coordinates; the source window is clamped at the edges of the region
 * being resampled (what PIL does after {@code crop()}), and the remaining weights are renormalised.
 */
public final class BicubicResampler {
    /** Kernel support (half-width) of the bicubic filter at scale 1. */
    static final double SUPPORT = 2.0;
    static final int PRECISION_BITS = 32 - 8 - 2;

    private BicubicResampler() {
    }

    /** The cubic convolution kernel with a = -0.5 (Keys). */
    static double kernel(double x) {
        final double a = -0.5;
        if (x < 0) x = -x;
        if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
        return 0;
    }

    /** Resizes the whole image to {@code outW x outH}. */
    public static RgbImage resize(RgbImage src, int outW, int outH) {
        return resample(src, 0, 0, src.width(), src.height(), outW, outH, 0, 0, outW, outH);
    }

    /**
     * Crops the region ({@code bx, by, bw, bh}) of {@code src}, resizes it to {@code outW x outH}, and returns
     * only the window ({@code winX, winY, winW, winH}) of that result. Computing a window directly gives the
     * same pixels as resizing fully and cropping afterwards, without the wasted work.
     */
    public static RgbImage resample(RgbImage src, int bx, int by, int bw, int bh,
                                    int outW, int outH, int winX, int winY, int winW, int winH) {
        if (bx < 0 || by < 0 || bw <= 0 || bh <= 0 || bx + bw > src.width() || by + bh > src.height()) {
            throw new IllegalArgumentException("region " + bx + "," + by + " " + bw + "x" + bh + " outside image " + src.width() + "x" + src.height());
        }
        if (outW <= 0 || outH <= 0 || winX < 0 || winY < 0 || winW <= 0 || winH <= 0 || winX + winW > outW || winY + winH > outH) {
            throw new IllegalArgumentException("window " + winX + "," + winY + " " + winW + "x" + winH + " outside output " + outW + "x" + outH);
        }
        Coeffs horiz = Coeffs.of(bw, outW, winX, winW);
        Coeffs vert = Coeffs.of(bh, outH, winY, winH);
        // Rows of the region the vertical pass will read: the horizontal pass only needs those.
        int rowFirst = vert.start[0];
        int rowLast = 0;
        for (int i = 0; i < winH; i++) rowLast = Math.max(rowLast, vert.start[i] + vert.count[i]);
        int rows = rowLast - rowFirst;

        byte[] s = src.rgb();
        int sw = src.width();
        byte[] mid = new byte[rows * winW * 3];
        for (int y = 0; y < rows; y++) {
            int rowBase = ((by + rowFirst + y) * sw + bx) * 3;
            int o = y * winW * 3;
            for (int x = 0; x < winW; x++, o += 3) {
                int k0 = x * horiz.ksize;
                int p = rowBase + horiz.start[x] * 3;
                int r = 1 << (PRECISION_BITS - 1);
                int g = r;
                int b = r;
                for (int k = 0; k < horiz.count[x]; k++, p += 3) {
                    int c = horiz.k[k0 + k];
                    r += (s[p] & 0xff) * c;
                    g += (s[p + 1] & 0xff) * c;
                    b += (s[p + 2] & 0xff) * c;
                }
                mid[o] = clip8(r);
                mid[o + 1] = clip8(g);
                mid[o + 2] = clip8(b);
            }
        }
        // Vertical pass row by row: each tap adds a whole source row, a loop the JIT can vectorise.
        byte[] out = new byte[winW * winH * 3];
        int midStride = winW * 3;
        int[] acc = new int[midStride];
        for (int y = 0; y < winH; y++) {
            java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            int k0 = y * vert.ksize;
            int first = vert.start[y] - rowFirst;
            for (int k = 0; k < vert.count[y]; k++) {
                int c = vert.k[k0 + k];
                int p = (first + k) * midStride;
                for (int x = 0; x < midStride; x++) acc[x] += (mid[p + x] & 0xff) * c;
            }
            int o = y * midStride;
            for (int x = 0; x < midStride; x++) out[o + x] = clip8(acc[x]);
        }
        return new RgbImage(winW, winH, out);
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /** Per output pixel: first source index, number of taps, and fixed-point weights. */
    static final class Coeffs {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] k;
        final double[] weights;

        private Coeffs(int ksize, int n) {
            this.ksize = ksize;
            this.start = new int[n];
            this.count = new int[n];
            this.k = new int[n * ksize];
            this.weights = new double[n * ksize];
        }

        /** Weights for output pixels {@code first .. first+n-1} of a pass mapping {@code in} pixels to {@code out}. */
        static Coeffs of(int in, int out, int first, int n) {
            double scale = (double) in / out;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            double invScale = 1.0 / filterScale; // multiply, as PIL does, so weights match bit for bit
            int ksize = (int) Math.ceil(support) * 2 + 1;
            Coeffs c = new Coeffs(ksize, n);
            for (int i = 0; i < n; i++) {
                double center = (first + i + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), in);
                int count = xmax - xmin;
                double sum = 0;
                for (int t = 0; t < count; t++) {
                    double w = kernel((t + xmin - center + 0.5) * invScale);
                    c.weights[i * ksize + t] = w;
                    sum += w;
                }
                for (int t = 0; t < count; t++) {
                    double w = sum != 0 ? c.weights[i * ksize + t] / sum : c.weights[i * ksize + t];
                    c.weights[i * ksize + t] = w;
                    double fixed = w * (1 << PRECISION_BITS);
                    c.k[i * ksize + t] = (int) (w < 0 ? fixed - 0.5 : fixed + 0.5);
                }
                c.start[i] = xmin;
                c.count[i] = count;
            }
            return c;
        }
    }
}
