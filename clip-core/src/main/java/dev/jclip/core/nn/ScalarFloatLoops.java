package dev.jclip.core.nn;

/**
 * {@link FloatLoops} as plain Java loops. They define the results: {@link VectorFloatLoops} computes the same
 * roundings in the same order (see {@link FloatLoops} for the rules) and the tests check the bits agree.
 */
final class ScalarFloatLoops implements FloatLoops {
    private static final float QUICK_GELU_ALPHA = 1.702f;

    /** The fixed combination of 16 lane sums: lane j + lane j+8, then j + j+4, j + j+2, j + j+1. */
    static float sum16(float[] p) {
        float q0 = p[0] + p[8], q1 = p[1] + p[9], q2 = p[2] + p[10], q3 = p[3] + p[11];
        float q4 = p[4] + p[12], q5 = p[5] + p[13], q6 = p[6] + p[14], q7 = p[7] + p[15];
        return ((q0 + q4) + (q2 + q6)) + ((q1 + q5) + (q3 + q7));
    }

    /** The number of leading terms that go into the 16 lanes. */
    static int laned(int n) {
        return n - n % LANES;
    }

    /**
     * A run of terms of a sum: adds term i for i = from, from + step, ... below to onto s, in that order. Each
     * reduction is a run per lane over the laned terms and one run over the rest, so the vector loops finish with the
     * same run (step 1) the scalar ones use.
     */
    @FunctionalInterface
    interface Run {
        float add(int from, int to, int step, float s);
    }

    /** The sum of n terms by the 16-lane rule of {@link FloatLoops}: lane j over j, j + 16, ... below laned(n). */
    static float laneSum(int n, Run run) {
        int full = laned(n);
        float[] p = new float[LANES];
        for (int j = 0; j < LANES && j < full; j++) p[j] = run.add(j, full, LANES, 0f);
        return run.add(full, n, 1, sum16(p));
    }

    static float dotRun(float[] a, int ao, float[] b, int bo, int from, int to, int step, float s) {
        for (int i = from; i < to; i += step) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** Also stores each exp in place. */
    static float expShiftedRun(float[] a, int o, float shift, int from, int to, int step, float s) {
        for (int i = from; i < to; i += step) {
            float e = FloatExp.exp(a[o + i] - shift);
            a[o + i] = e;
            s += e;
        }
        return s;
    }

    static float sumRun(float[] a, int o, int from, int to, int step, float s) {
        for (int i = from; i < to; i += step) s += a[o + i];
        return s;
    }

    static float squaredDeviationRun(float[] a, int o, float mean, int from, int to, int step, float s) {
        for (int i = from; i < to; i += step) {
            float c = a[o + i] - mean;
            s += c * c;
        }
        return s;
    }

    static float dotScaledRun(float[] dy, int o, float[] g, float[] h, int from, int to, int step, float s) {
        for (int i = from; i < to; i += step) s += dy[o + i] * g[i] * h[o + i];
        return s;
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        return laneSum(n, (from, to, step, s) -> dotRun(a, ao, b, bo, from, to, step, s));
    }

    @Override
    public void product(float[] a, int ao, int aStride, float[] b, int bo, int bStride, int m, int k, int n,
                        float[] c, int co, int cStride) {
        productFrom(0, a, ao, aStride, b, bo, bStride, m, k, n, c, co, cStride);
    }

    /**
     * {@link #product} for the columns j from {@code from} on (the vector loops' tail). Row by row, r outside j: each
     * c[i][j] still takes its terms in order of r.
     */
    static void productFrom(int from, float[] a, int ao, int aStride, float[] b, int bo, int bStride, int m, int k, int n,
                            float[] c, int co, int cStride) {
        for (int i = 0; i < m; i++) {
            int ci = co + i * cStride, ai = ao + i * aStride;
            java.util.Arrays.fill(c, ci + from, ci + n, 0f);
            for (int r = 0; r < k; r++) {
                float air = a[ai + r];
                int br = bo + r * bStride;
                for (int j = from; j < n; j++) c[ci + j] = Math.fma(air, b[br + j], c[ci + j]);
            }
        }
    }

    @Override
    public void scale(float[] a, int o, int n, float s) {
        for (int i = 0; i < n; i++) a[o + i] *= s;
    }

    @Override
    public float max(float[] a, int o, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, a[o + i]);
        return m;
    }

    @Override
    public float expShifted(float[] a, int o, int n, float shift) {
        return laneSum(n, (from, to, step, s) -> expShiftedRun(a, o, shift, from, to, step, s));
    }

    @Override
    public float sum(float[] a, int o, int n) {
        return laneSum(n, (from, to, step, s) -> sumRun(a, o, from, to, step, s));
    }

    @Override
    public float squaredDeviation(float[] a, int o, int n, float mean) {
        return laneSum(n, (from, to, step, s) -> squaredDeviationRun(a, o, mean, from, to, step, s));
    }

    @Override
    public void normalise(float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y) {
        normaliseFrom(0, x, o, n, mean, rstd, g, b, h, y);
    }

    /** {@link #normalise} of the columns from {@code from} on (the vector loops' tail). */
    static void normaliseFrom(int from, float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y) {
        for (int i = from; i < n; i++) {
            float v = (x[o + i] - mean) * rstd;
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public float dotScaled(float[] dy, int o, float[] g, float[] h, int n) {
        return laneSum(n, (from, to, step, s) -> dotScaledRun(dy, o, g, h, from, to, step, s));
    }

    @Override
    public void layerNormGrad(float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd, float[] dx,
                              float[] dgAcc, float[] dbAcc) {
        layerNormGradFrom(0, dy, h, o, n, g, m1, m2, rstd, dx, dgAcc, dbAcc);
    }

    static void layerNormGradFrom(int from, float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd,
                                  float[] dx, float[] dgAcc, float[] dbAcc) {
        for (int i = from; i < n; i++) {
            float gy = dy[o + i], hv = h[o + i];
            dx[o + i] = (gy * g[i] - m1 - hv * m2) * rstd;
            dgAcc[i] += gy * hv;
            dbAcc[i] += gy;
        }
    }

    @Override
    public void quickGelu(float[] x, float[] y, int n) {
        quickGeluFrom(0, x, y, n);
    }

    static void quickGeluFrom(int from, float[] x, float[] y, int n) {
        for (int i = from; i < n; i++) y[i] = x[i] * FloatExp.sigmoid(QUICK_GELU_ALPHA * x[i]);
    }

    @Override
    public void quickGeluGrad(float[] dy, float[] x, float[] dx, int n) {
        quickGeluGradFrom(0, dy, x, dx, n);
    }

    static void quickGeluGradFrom(int from, float[] dy, float[] x, float[] dx, int n) {
        for (int i = from; i < n; i++) {
            float s = FloatExp.sigmoid(QUICK_GELU_ALPHA * x[i]);
            dx[i] = dy[i] * (x[i] * QUICK_GELU_ALPHA * s * (1 - s) + s);
        }
    }

    @Override
    public void adamW(float[] p, float[] g, float[] m, float[] v, int o, int n, float keep, float b1, float b2,
                      float stepSize, float bc2Sqrt, float eps) {
        for (int i = o; i < o + n; i++) {
            float gi = g[i];
            float mi = m[i] * b1 + gi * (1 - b1);
            float vi = v[i] * b2 + gi * gi * (1 - b2);
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * keep - mi * stepSize / ((float) Math.sqrt(vi) / bc2Sqrt + eps);   // float sqrt, exactly rounded
        }
    }

    @Override
    public void addProductInto(float[] a, float[] b, int o, float[] acc, int n) {
        addProductIntoFrom(0, a, b, o, acc, n);
    }

    static void addProductIntoFrom(int from, float[] a, float[] b, int o, float[] acc, int n) {
        for (int i = from; i < n; i++) acc[i] += a[o + i] * b[o + i];
    }

    @Override
    public void addSquaredDeviationInto(float[] x, int o, float[] mean, float[] acc, int n) {
        addSquaredDeviationIntoFrom(0, x, o, mean, acc, n);
    }

    static void addSquaredDeviationIntoFrom(int from, float[] x, int o, float[] mean, float[] acc, int n) {
        for (int i = from; i < n; i++) {
            float c = x[o + i] - mean[i];
            acc[i] += c * c;
        }
    }

    @Override
    public void normaliseChannels(float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b, float[] h, float[] y) {
        normaliseChannelsFrom(0, x, o, n, mean, rstd, g, b, h, y);
    }

    static void normaliseChannelsFrom(int from, float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b,
                                      float[] h, float[] y) {
        for (int i = from; i < n; i++) {
            float v = (x[o + i] - mean[i]) * rstd[i];
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public void batchNormGrad(float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH, float[] dx) {
        batchNormGradFrom(0, dy, h, o, n, scale, mDy, mDyH, dx);
    }

    static void batchNormGradFrom(int from, float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH,
                                  float[] dx) {
        for (int i = from; i < n; i++) dx[o + i] = dy[o + i] * scale[i] - (h[o + i] * mDyH[i] + mDy[i]);
    }

    @Override
    public void reluGrad(float[] y, float[] dy, float[] dx, int n) {
        reluGradFrom(0, y, dy, dx, n);
    }

    static void reluGradFrom(int from, float[] y, float[] dy, float[] dx, int n) {
        for (int i = from; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }

    @Override
    public void addTo(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += x[xo + i];
    }
}
