package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatLoops} on the JDK's Vector API, giving bit for bit the results of {@link ScalarFloatLoops} (the rules
 * are in {@link FloatLoops}). Vectors are 8 floats (256 bits) on every machine: two of them hold the 16 lanes of a
 * sum, so AVX2 and AVX-512 machines round identically (and the JDK 17 compilers intrinsify 256-bit shapes fully,
 * where 512-bit ones fell back to Java code in places). {@link #product}, whose elements are independent chains, may
 * run on 512-bit vectors as well (see {@code P}): same bits. Loaded only when the {@code jdk.incubator.vector} module is
 * present; refuses to load on a CPU without 256-bit vectors, where the scalar loops are faster.
 */
final class VectorFloatLoops implements FloatLoops {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int L = 8;
    /**
     * The vector shape of {@link #product}: its elements are independent fma chains, so the width changes no bit and
     * could follow the hardware. It is 256 bits: on an AVX-512 machine (AMD EPYC Zen 5, 2026-12-06, docs/PERFORMANCE.md)
     * 512-bit vectors ran MEDIUM's attention core 5 times slower on JDK 17 (not all of Float512Vector's operations
     * are intrinsified there) and no faster on Temurin 25. {@code -Djclip.vector.productBits=512} takes 512 bits
     * where the JVM has them (for measurement; same bits, {@code KernelPortabilityTest}).
     */
    private static final VectorSpecies<Float> P = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 && productBits() >= 512
            ? FloatVector.SPECIES_512 : S;
    private static final int PL = P.length();
    private static final float QUICK_GELU_ALPHA = 1.702f;
    /**
     * The scalar loops finish what does not fill a whole vector (their {@code ...Run} and {@code ...From} methods
     * take where to start; a sum's laned part of zero terms is +0, as the scalar loops start).
     */
    private static final ScalarFloatLoops SCALAR = new ScalarFloatLoops();

    VectorFloatLoops() {
        if (FloatVector.SPECIES_PREFERRED.vectorBitSize() < S.vectorBitSize()) {
            throw new UnsupportedOperationException("this CPU has no 256-bit vectors");
        }
    }

    /** The width asked for {@link #product}'s vectors, in bits (512 is taken only where the JVM has 512-bit vectors). */
    private static int productBits() {
        return Integer.getInteger("jclip.vector.productBits", 256);
    }

    /** The vector width {@link #product} runs at, in floats. */
    static int productLanes() {
        return PL;
    }

    /** {@link ScalarFloatLoops#sum16} of lanes 0..7 in lo and 8..15 in hi. */
    private static float sum16(FloatVector lo, FloatVector hi) {
        FloatVector q = lo.add(hi);
        return ((q.lane(0) + q.lane(4)) + (q.lane(2) + q.lane(6))) + ((q.lane(1) + q.lane(5)) + (q.lane(3) + q.lane(7)));
    }

    /** {@link FloatExp#exp}, lane by lane. */
    static FloatVector exp(FloatVector x) {
        // Lanes beyond +-87 are rare (softmax scores are shifted by their maximum, masked ones never get here), so the
        // common path skips the clamps: one test instead of four vector operations. NaN fails the test and stays NaN.
        if (x.abs().compare(VectorOperators.GT, FloatExp.IN_RANGE).anyTrue()) {
            return expInRange(x.min(FloatExp.HI)).blend(0f, x.compare(VectorOperators.LT, FloatExp.LO));
        }
        return expInRange(x);
    }

    /** {@link FloatExp#exp} for lanes in [LO, HI]. */
    private static FloatVector expInRange(FloatVector x) {
        FloatVector t = x.fma(FloatExp.LOG2E, FloatExp.SHIFTER);
        FloatVector n = t.sub(FloatExp.SHIFTER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -FloatExp.LN2_LO), n.fma(FloatVector.broadcast(S, -FloatExp.LN2_HI), x));
        FloatVector q = r.fma(FloatExp.C6, FloatExp.C5).fma(r, FloatVector.broadcast(S, FloatExp.C4))
                .fma(r, FloatVector.broadcast(S, FloatExp.C3)).fma(r, FloatVector.broadcast(S, FloatExp.C2));
        FloatVector p = q.fma(r.mul(r), r).add(1f);
        FloatVector twoToN = t.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(twoToN);
    }

    /** sigmoid(1.702 x) = 1 / (exp(-1.702 x) + 1) */
    private static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.mul(-QUICK_GELU_ALPHA)).add(1f));
    }

    @Override
    public float dot(float[] a, int ao, float[] b, int bo, int n) {
        int full = ScalarFloatLoops.laned(n);
        FloatVector lo = FloatVector.zero(S), hi = FloatVector.zero(S);
        for (int i = 0; i < full; i += LANES) {
            lo = lo.add(FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i)));
            hi = hi.add(FloatVector.fromArray(S, a, ao + i + L).mul(FloatVector.fromArray(S, b, bo + i + L)));
        }
        return ScalarFloatLoops.dotRun(a, ao, b, bo, full, n, 1, sum16(lo, hi));
    }

    /**
     * Blocks of 4 rows by 2 vectors of columns: 8 accumulators, each a chain over r, fed by one broadcast of a[i][r]
     * and two loads of b's row r per 4 rows. Then 4 rows by 1 vector, the last rows one at a time, and the columns
     * past the last whole vector by the scalar loop (the same chains).
     */
    @Override
    public void product(float[] a, int ao, int aStride, float[] b, int bo, int bStride, int m, int k, int n,
                        float[] c, int co, int cStride) {
        int nv = n - n % PL, i = 0;
        for (; i <= m - 4; i += 4) {
            int a0 = ao + i * aStride, a1 = a0 + aStride, a2 = a1 + aStride, a3 = a2 + aStride;
            int c0 = co + i * cStride, c1 = c0 + cStride, c2 = c1 + cStride, c3 = c2 + cStride;
            int j = 0;
            for (; j <= nv - 2 * PL; j += 2 * PL) {
                FloatVector x00 = FloatVector.zero(P), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00, x30 = x00, x31 = x00;
                for (int r = 0, br = bo + j; r < k; r++, br += bStride) {
                    FloatVector b0 = FloatVector.fromArray(P, b, br), b1 = FloatVector.fromArray(P, b, br + PL);
                    FloatVector s0 = FloatVector.broadcast(P, a[a0 + r]), s1 = FloatVector.broadcast(P, a[a1 + r]);
                    x00 = s0.fma(b0, x00);
                    x01 = s0.fma(b1, x01);
                    x10 = s1.fma(b0, x10);
                    x11 = s1.fma(b1, x11);
                    FloatVector s2 = FloatVector.broadcast(P, a[a2 + r]), s3 = FloatVector.broadcast(P, a[a3 + r]);
                    x20 = s2.fma(b0, x20);
                    x21 = s2.fma(b1, x21);
                    x30 = s3.fma(b0, x30);
                    x31 = s3.fma(b1, x31);
                }
                x00.intoArray(c, c0 + j);
                x01.intoArray(c, c0 + j + PL);
                x10.intoArray(c, c1 + j);
                x11.intoArray(c, c1 + j + PL);
                x20.intoArray(c, c2 + j);
                x21.intoArray(c, c2 + j + PL);
                x30.intoArray(c, c3 + j);
                x31.intoArray(c, c3 + j + PL);
            }
            for (; j < nv; j += PL) {
                FloatVector x0 = FloatVector.zero(P), x1 = x0, x2 = x0, x3 = x0;
                for (int r = 0, br = bo + j; r < k; r++, br += bStride) {
                    FloatVector bv = FloatVector.fromArray(P, b, br);
                    x0 = FloatVector.broadcast(P, a[a0 + r]).fma(bv, x0);
                    x1 = FloatVector.broadcast(P, a[a1 + r]).fma(bv, x1);
                    x2 = FloatVector.broadcast(P, a[a2 + r]).fma(bv, x2);
                    x3 = FloatVector.broadcast(P, a[a3 + r]).fma(bv, x3);
                }
                x0.intoArray(c, c0 + j);
                x1.intoArray(c, c1 + j);
                x2.intoArray(c, c2 + j);
                x3.intoArray(c, c3 + j);
            }
        }
        for (; i < m; i++) {
            int ai = ao + i * aStride, ci = co + i * cStride, j = 0;
            for (; j <= nv - 2 * PL; j += 2 * PL) {
                FloatVector x0 = FloatVector.zero(P), x1 = x0;
                for (int r = 0, br = bo + j; r < k; r++, br += bStride) {
                    FloatVector s0 = FloatVector.broadcast(P, a[ai + r]);
                    x0 = s0.fma(FloatVector.fromArray(P, b, br), x0);
                    x1 = s0.fma(FloatVector.fromArray(P, b, br + PL), x1);
                }
                x0.intoArray(c, ci + j);
                x1.intoArray(c, ci + j + PL);
            }
            for (; j < nv; j += PL) {
                FloatVector x0 = FloatVector.zero(P);
                for (int r = 0, br = bo + j; r < k; r++, br += bStride) {
                    x0 = FloatVector.broadcast(P, a[ai + r]).fma(FloatVector.fromArray(P, b, br), x0);
                }
                x0.intoArray(c, ci + j);
            }
        }
        if (nv < n) ScalarFloatLoops.productFrom(nv, a, ao, aStride, b, bo, bStride, m, k, n, c, co, cStride);
    }

    @Override
    public void scale(float[] a, int o, int n, float s) {
        int i = 0;
        for (; i <= n - L; i += L) FloatVector.fromArray(S, a, o + i).mul(s).intoArray(a, o + i);
        SCALAR.scale(a, o + i, n - i, s);
    }

    @Override
    public float max(float[] a, int o, int n) {
        // a maximum is exact whatever the order
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
        int full = ScalarFloatLoops.laned(n);
        FloatVector lo = FloatVector.zero(S), hi = FloatVector.zero(S);
        for (int i = 0; i < full; i += LANES) {
            FloatVector e0 = exp(FloatVector.fromArray(S, a, o + i).sub(shift));
            FloatVector e1 = exp(FloatVector.fromArray(S, a, o + i + L).sub(shift));
            e0.intoArray(a, o + i);
            e1.intoArray(a, o + i + L);
            lo = lo.add(e0);
            hi = hi.add(e1);
        }
        return ScalarFloatLoops.expShiftedRun(a, o, shift, full, n, 1, sum16(lo, hi));
    }

    @Override
    public float sum(float[] a, int o, int n) {
        int full = ScalarFloatLoops.laned(n);
        FloatVector lo = FloatVector.zero(S), hi = FloatVector.zero(S);
        for (int i = 0; i < full; i += LANES) {
            lo = lo.add(FloatVector.fromArray(S, a, o + i));
            hi = hi.add(FloatVector.fromArray(S, a, o + i + L));
        }
        return ScalarFloatLoops.sumRun(a, o, full, n, 1, sum16(lo, hi));
    }

    @Override
    public float squaredDeviation(float[] a, int o, int n, float mean) {
        int full = ScalarFloatLoops.laned(n);
        FloatVector lo = FloatVector.zero(S), hi = FloatVector.zero(S);
        for (int i = 0; i < full; i += LANES) {
            FloatVector c0 = FloatVector.fromArray(S, a, o + i).sub(mean), c1 = FloatVector.fromArray(S, a, o + i + L).sub(mean);
            lo = lo.add(c0.mul(c0));
            hi = hi.add(c1.mul(c1));
        }
        return ScalarFloatLoops.squaredDeviationRun(a, o, mean, full, n, 1, sum16(lo, hi));
    }

    @Override
    public void normalise(float[] x, int o, int n, float mean, float rstd, float[] g, float[] b, float[] h, float[] y) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(mean).mul(rstd);
            v.intoArray(h, o + i);
            v.mul(FloatVector.fromArray(S, g, i)).add(FloatVector.fromArray(S, b, i)).intoArray(y, o + i);
        }
        ScalarFloatLoops.normaliseFrom(i, x, o, n, mean, rstd, g, b, h, y);
    }

    @Override
    public float dotScaled(float[] dy, int o, float[] g, float[] h, int n) {
        int full = ScalarFloatLoops.laned(n);
        FloatVector lo = FloatVector.zero(S), hi = FloatVector.zero(S);
        for (int i = 0; i < full; i += LANES) {
            lo = lo.add(FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, g, i)).mul(FloatVector.fromArray(S, h, o + i)));
            hi = hi.add(FloatVector.fromArray(S, dy, o + i + L).mul(FloatVector.fromArray(S, g, i + L))
                    .mul(FloatVector.fromArray(S, h, o + i + L)));
        }
        return ScalarFloatLoops.dotScaledRun(dy, o, g, h, full, n, 1, sum16(lo, hi));
    }

    @Override
    public void layerNormGrad(float[] dy, float[] h, int o, int n, float[] g, float m1, float m2, float rstd, float[] dx,
                              float[] dgAcc, float[] dbAcc) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector gy = FloatVector.fromArray(S, dy, o + i), hv = FloatVector.fromArray(S, h, o + i);
            gy.mul(FloatVector.fromArray(S, g, i)).sub(m1).sub(hv.mul(m2)).mul(rstd).intoArray(dx, o + i);
            FloatVector.fromArray(S, dgAcc, i).add(gy.mul(hv)).intoArray(dgAcc, i);
            FloatVector.fromArray(S, dbAcc, i).add(gy).intoArray(dbAcc, i);
        }
        ScalarFloatLoops.layerNormGradFrom(i, dy, h, o, n, g, m1, m2, rstd, dx, dgAcc, dbAcc);
    }

    @Override
    public void quickGelu(float[] x, float[] y, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            v.mul(sigmoid(v)).intoArray(y, i);
        }
        ScalarFloatLoops.quickGeluFrom(i, x, y, n);
    }

    @Override
    public void quickGeluGrad(float[] dy, float[] x, float[] dx, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, i), s = sigmoid(xv);
            FloatVector local = xv.mul(QUICK_GELU_ALPHA).mul(s).mul(s.neg().add(1f)).add(s);
            FloatVector.fromArray(S, dy, i).mul(local).intoArray(dx, i);
        }
        ScalarFloatLoops.quickGeluGradFrom(i, dy, x, dx, n);
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
            FloatVector.fromArray(S, acc, i).add(FloatVector.fromArray(S, a, o + i).mul(FloatVector.fromArray(S, b, o + i))).intoArray(acc, i);
        }
        ScalarFloatLoops.addProductIntoFrom(i, a, b, o, acc, n);
    }

    @Override
    public void addSquaredDeviationInto(float[] x, int o, float[] mean, float[] acc, int n) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector c = FloatVector.fromArray(S, x, o + i).sub(FloatVector.fromArray(S, mean, i));
            FloatVector.fromArray(S, acc, i).add(c.mul(c)).intoArray(acc, i);
        }
        ScalarFloatLoops.addSquaredDeviationIntoFrom(i, x, o, mean, acc, n);
    }

    @Override
    public void normaliseChannels(float[] x, int o, int n, float[] mean, float[] rstd, float[] g, float[] b, float[] h, float[] y) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + i).sub(FloatVector.fromArray(S, mean, i)).mul(FloatVector.fromArray(S, rstd, i));
            v.intoArray(h, o + i);
            v.mul(FloatVector.fromArray(S, g, i)).add(FloatVector.fromArray(S, b, i)).intoArray(y, o + i);
        }
        ScalarFloatLoops.normaliseChannelsFrom(i, x, o, n, mean, rstd, g, b, h, y);
    }

    @Override
    public void batchNormGrad(float[] dy, float[] h, int o, int n, float[] scale, float[] mDy, float[] mDyH, float[] dx) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector shift = FloatVector.fromArray(S, h, o + i).mul(FloatVector.fromArray(S, mDyH, i)).add(FloatVector.fromArray(S, mDy, i));
            FloatVector.fromArray(S, dy, o + i).mul(FloatVector.fromArray(S, scale, i)).sub(shift).intoArray(dx, o + i);
        }
        ScalarFloatLoops.batchNormGradFrom(i, dy, h, o, n, scale, mDy, mDyH, dx);
    }

    @Override
    public void reluGrad(float[] y, float[] dy, float[] dx, int n) {
        int i = 0;
        FloatVector zero = FloatVector.zero(S);
        for (; i <= n - L; i += L) {
            FloatVector yv = FloatVector.fromArray(S, y, i);
            zero.blend(FloatVector.fromArray(S, dy, i), yv.compare(VectorOperators.GT, 0f)).intoArray(dx, i);
        }
        ScalarFloatLoops.reluGradFrom(i, y, dy, dx, n);
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
