package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatLoops} on the JDK's Vector API (the widest vectors this CPU has), each loop a vector body and a scalar
 * tail (the scalar loops where they take an offset). Loaded only when the {@code jdk.incubator.vector} module is present.
 */
final class VectorFloatLoops implements FloatLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float QUICK_GELU_ALPHA = 1.702f;
    /** The scalar loops finish what does not fill a whole vector. */
    private static final ScalarFloatLoops SCALAR = new ScalarFloatLoops();

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        return s + SCALAR.dot(a, ao + i, b, bo + i, n - i);
    }

    @Override
    public void combineRows(float[] w, int wo, int wStride, int rows, float[] x, int xo, int xStride, int n, float[] y, int yo) {
        int c = 0;
        for (; c <= n - L; c += L) {
            // two accumulators so that consecutive multiply-adds do not wait on each other
            FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
            int r = 0;
            for (; r + 1 < rows; r += 2) {
                acc0 = FloatVector.fromArray(S, x, xo + r * xStride + c).fma(FloatVector.broadcast(S, w[wo + r * wStride]), acc0);
                acc1 = FloatVector.fromArray(S, x, xo + (r + 1) * xStride + c).fma(FloatVector.broadcast(S, w[wo + (r + 1) * wStride]), acc1);
            }
            if (r < rows) acc0 = FloatVector.fromArray(S, x, xo + r * xStride + c).fma(FloatVector.broadcast(S, w[wo + r * wStride]), acc0);
            acc0.add(acc1).intoArray(y, yo + c);
        }
        for (; c < n; c++) {
            float s = 0;
            for (int r = 0; r < rows; r++) s += w[wo + r * wStride] * x[xo + r * xStride + c];
            y[yo + c] = s;
        }
    }

    @Override
    public void scale(float[] a, int o, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, o + i).mul(s).intoArray(a, o + i);
        SCALAR.scale(a, o + i, n - i, s);
    }

    @Override
    public float max(float[] a, int o, int n) {
        int i = 0;
        float m = Float.NEGATIVE_INFINITY;
        if (n >= L) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - L; i += L) acc = acc.max(FloatVector.fromArray(S, a, o + i));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        return Math.max(m, SCALAR.max(a, o + i, n - i));
    }

    @Override
    public float expShifted(float[] a, int o, int n, float shift) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) {
                FloatVector e = FloatVector.fromArray(S, a, o + i).sub(shift).lanewise(VectorOperators.EXP);
                e.intoArray(a, o + i);
                acc = acc.add(e);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        return s + SCALAR.expShifted(a, o + i, n - i, shift);
    }

    @Override
    public float sum(float[] a, int o, int n) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) acc = acc.add(FloatVector.fromArray(S, a, o + i));
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        return s + SCALAR.sum(a, o + i, n - i);
    }

    @Override
    public float squaredDeviation(float[] a, int o, int n, float mean) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) {
                FloatVector c = FloatVector.fromArray(S, a, o + i).sub(mean);
                acc = c.fma(c, acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        return s + SCALAR.squaredDeviation(a, o + i, n - i, mean);
    }

    @Override
    public void normalise(float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(mean).mul(rstd);
            v.intoArray(h, o + i);
            v.fma(FloatVector.fromArray(S, g, i), FloatVector.fromArray(S, b, i)).intoArray(y, o + i);
        }
        for (; i < n; i++) {
            float v = (x[o + i] - mean) * rstd;
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public float dotScaled(float[] dy, int o, float[] g, float[] h, int n) {
        int i = 0;
        float s = 0;
        if (n >= L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) {
                FloatVector gy = FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, g, i));
                acc = gy.fma(FloatVector.fromArray(S, h, o + i), acc);
            }
            s = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) s += dy[o + i] * g[i] * h[o + i];
        return s;
    }

    @Override
    public void layerNormGrad(float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd, float[] dx,
                              float[] dgAcc, float[] dbAcc) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector gy = FloatVector.fromArray(S, dy, o + i), hv = FloatVector.fromArray(S, h, o + i);
            gy.mul(FloatVector.fromArray(S, g, i)).sub(m1).sub(hv.mul(m2)).mul(rstd).intoArray(dx, o + i);
            gy.fma(hv, FloatVector.fromArray(S, dgAcc, i)).intoArray(dgAcc, i);
            gy.add(FloatVector.fromArray(S, dbAcc, i)).intoArray(dbAcc, i);
        }
        for (; i < n; i++) {
            float gy = dy[o + i], hv = h[o + i];
            dx[o + i] = (gy * g[i] - m1 - hv * m2) * rstd;
            dgAcc[i] += gy * hv;
            dbAcc[i] += gy;
        }
    }

    @Override
    public void quickGelu(float[] x, float[] y, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.mul(sigmoid(v)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] = x[i] * (float) (1.0 / (1.0 + Math.exp(-QUICK_GELU_ALPHA * x[i])));
    }

    @Override
    public void quickGeluGrad(float[] dy, float[] x, float[] dx, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, i), s = sigmoid(xv);
            FloatVector local = xv.mul(QUICK_GELU_ALPHA).mul(s).mul(s.neg().add(1f)).add(s);
            FloatVector.fromArray(S, dy, i).mul(local).intoArray(dx, i);
        }
        for (; i < n; i++) {
            float v = (float) (1.0 / (1.0 + Math.exp(-QUICK_GELU_ALPHA * x[i])));
            dx[i] = dy[i] * (v + QUICK_GELU_ALPHA * x[i] * v * (1 - v));
        }
    }

    /** sigmoid(1.702 x) */
    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(x.mul(-QUICK_GELU_ALPHA).lanewise(VectorOperators.EXP).add(1f));
    }

    @Override
    public void adamW(float[] p, float[] g, float[] m, float[] v, int o, int n, float keep, float b1, float b2,
                      float stepSize, float bc2Sqrt, float eps) {
        int i = o, end = o + n;
        for (; i <= end - L; i += L) {
            FloatVector gi = FloatVector.fromArray(S, g, i);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(1 - b1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(gi).mul(1 - b2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector denom = vi.lanewise(VectorOperators.SQRT).div(bc2Sqrt).add(eps);
            FloatVector.fromArray(S, p, i).mul(keep).sub(mi.mul(stepSize).div(denom)).intoArray(p, i);
        }
        SCALAR.adamW(p, g, m, v, i, end - i, keep, b1, b2, stepSize, bc2Sqrt, eps);
    }

    @Override
    public void addProductInto(float[] a, float[] b, int o, float[] acc, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, o + i).fma(FloatVector.fromArray(S, b, o + i), FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] += a[o + i] * b[o + i];
    }

    @Override
    public void addSquaredDeviationInto(float[] x, int o, float[] mean, float[] acc, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector c = FloatVector.fromArray(S, x, o + i).sub(FloatVector.fromArray(S, mean, i));
            c.fma(c, FloatVector.fromArray(S, acc, i)).intoArray(acc, i);
        }
        for (; i < n; i++) {
            float c = x[o + i] - mean[i];
            acc[i] += c * c;
        }
    }

    @Override
    public void normaliseChannels(float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b, float[] h, float[] y) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(FloatVector.fromArray(S, mean, i)).mul(FloatVector.fromArray(S, rstd, i));
            v.intoArray(h, o + i);
            v.fma(FloatVector.fromArray(S, g, i), FloatVector.fromArray(S, b, i)).intoArray(y, o + i);
        }
        for (; i < n; i++) {
            float v = (x[o + i] - mean[i]) * rstd[i];
            h[o + i] = v;
            y[o + i] = v * g[i] + b[i];
        }
    }

    @Override
    public void batchNormGrad(float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH, float[] dx) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector shift = FloatVector.fromArray(S, h, o + i).fma(FloatVector.fromArray(S, mDyH, i), FloatVector.fromArray(S, mDy, i));
            FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, scale, i)).sub(shift).intoArray(dx, o + i);
        }
        for (; i < n; i++) dx[o + i] = scale[i] * dy[o + i] - (mDy[i] + h[o + i] * mDyH[i]);
    }

    @Override
    public void reluGrad(float[] y, float[] dy, float[] dx, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (; i <= n - L; i += L) {
            FloatVector yv = FloatVector.fromArray(S, y, i);
            zero.blend(FloatVector.fromArray(S, dy, i), yv.compare(VectorOperators.GT, 0f)).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }

    @Override
    public void addTo(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        SCALAR.addTo(x, xo + i, y, yo + i, n - i);
    }
}
