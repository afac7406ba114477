package dev.jclip.core.nn;

/** {@link FloatLoops} as plain Java loops (the JIT vectorises the simple ones itself). */
final class ScalarFloatLoops implements FloatLoops {
    private static final float QUICK_GELU_ALPHA = 1.702f;

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    @Override
    public void combineRows(float[] w, int wo, int wStride, int rows, float[] x, int xo, int xStride, int n, float[] y, int yo) {
        java.util.Arrays.fill(y, yo, yo + n, 0f);
        for (int r = 0; r < rows; r++) {
            float a = w[wo + r * wStride];
            int xr = xo + r * xStride;
            for (int c = 0; c < n; c++) y[yo + c] += a * x[xr + c];
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
        float s = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(a[o + i] - shift);
            a[o + i] = e;
            s += e;
        }
        return s;
    }

    @Override
    public float sum(float[] a, int o, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += a[o + i];
        return s;
    }

    @Override
    public float squaredDeviation(float[] a, int o, int n, float mean) {
        float s = 0;
        for (int i = 0; i < n; i++) {
            float c = a[o + i] - mean;
            s += c * c;
        }
        return s;
    }

    @Override
    public void normalise(float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y) {
        for (int i = 0; i < n; i++) {
            float v = (x[o + i] - mean) * rstd;
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public float dotScaled(float[] dy, int o, float[] g, float[] h, int n) {
        float s = 0;
        for (int i = 0; i < n; i++) s += dy[o + i] * g[i] * h[o + i];
        return s;
    }

    @Override
    public void layerNormGrad(float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd, float[] dx,
                              float[] dgAcc, float[] dbAcc) {
        for (int i = 0; i < n; i++) {
            float gy = dy[o + i], hv = h[o + i];
            dx[o + i] = (gy * g[i] - m1 - hv * m2) * rstd;
            dgAcc[i] += gy * hv;
            dbAcc[i] += gy;
        }
    }

    @Override
    public void quickGelu(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) y[i] = x[i] * sigmoid(QUICK_GELU_ALPHA * x[i]);
    }

    @Override
    public void quickGeluGrad(float[] dy, float[] x, float[] dx, int n) {
        for (int i = 0; i < n; i++) {
            float v = sigmoid(QUICK_GELU_ALPHA * x[i]);
            dx[i] = dy[i] * (v + QUICK_GELU_ALPHA * x[i] * v * (1 - v));
        }
    }

    private static float sigmoid(float z) {
        return (float) (1.0 / (1.0 + Math.exp(-z)));
    }

    @Override
    public void adamW(float[] p, float[] g, float[] m, float[] v, int o, int n, float keep, float b1, float b2,
                      float stepSize, float bc2Sqrt, float eps) {
        for (int i = o; i < o + n; i++) {
            float gi = g[i];
            float mi = b1 * m[i] + (1 - b1) * gi;
            float vi = b2 * v[i] + (1 - b2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * keep - stepSize * mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps);
        }
    }

    @Override
    public void addProductInto(float[] a, float[] b, int o, float[] acc, int n) {
        for (int i = 0; i < n; i++) acc[i] += a[o + i] * b[o + i];
    }

    @Override
    public void addSquaredDeviationInto(float[] x, int o, float[] mean, float[] acc, int n) {
        for (int i = 0; i < n; i++) {
            float c = x[o + i] - mean[i];
            acc[i] += c * c;
        }
    }

    @Override
    public void normaliseChannels(float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b, float[] h, float[] y) {
        for (int i = 0; i < n; i++) {
            float v = (x[o + i] - mean[i]) * rstd[i];
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public void batchNormGrad(float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH, float[] dx) {
        for (int i = 0; i < n; i++) dx[o + i] = scale[i] * dy[o + i] - (mDy[i] + h[o + i] * mDyH[i]);
    }

    @Override
    public void reluGrad(float[] y, float[] dy, float[] dx, int n) {
        for (int i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }

    @Override
    public void addTo(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) y[yo + i] += x[xo + i];
    }
}
