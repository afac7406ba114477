package dev.jclip.core.nn;

/**
 * The exponential the fused kernels use (softmax, sigmoid), written out so that its result is a function of its input
 * only: the same bits in the interpreter, C1 and C2, with and without the Vector API, at any vector width. The JDK's
 * {@code FloatVector.lanewise(EXP)} is not (per-lane {@code Math.exp} until C2 compiles it to SVML: different last
 * bits, so a run depended on JIT timing).
 *
 * <p>exp(x) = 2^n exp(r) with n = round(x log2 e) and r = x - n ln 2 (ln 2 split in two so that n * LN2_HI is exact),
 * exp(r) = 1 + r + r^2 q(r) with q a degree-4 minimax polynomial on |r| <= ln 2 / 2 (so exp(r) is of degree 6; its
 * own error is under 0.07 ulp), and 2^n built by shifting n + 127 into the exponent bits.
 *
 * <p>The multiply-adds are <b>explicit fused multiply-adds</b> ({@link Math#fma}, {@code FloatVector.fma}): IEEE 754
 * defines fma as a*b+c rounded once, and Java requires both to give exactly that, in every tier and whatever the
 * hardware, so every implementation of these steps rounds the same way (the scalar path here, the vector one in
 * {@link VectorFloatLoops}, each lane). What depends on the hardware is the speed: a CPU without FMA instructions
 * (x86 before 2012-2013, or a JVM run with {@code -XX:UseAVX=0}) computes them in software, far slower. FMA halves the
 * operation count against separate multiply and add, which is what makes this as fast as the SVML exp it replaces
 * (docs/PERFORMANCE.md, "The exponential").
 *
 * <p>Range: inputs below {@link #LO} give 0, inputs above {@link #HI} give exp(HI) (the kernels feed it shifted
 * softmax scores <= 0 and sigmoid arguments; neither needs more), NaN gives NaN. Accuracy on [LO, HI]: within 1 ulp
 * of the correctly rounded value ({@code FloatExpTest}).
 */
final class FloatExp {
    static final float LO = -87f, HI = 88f;
    /** |x| <= IN_RANGE needs neither clamp; the vector exp checks only this on its common path. */
    static final float IN_RANGE = 87f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n * LN2_HI is exact for |n| <= 128. */
    static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /**
     * 1.5 * 2^23 + 127: adding it rounds x log2 e (|.| < 2^22) to the nearest integer n and leaves n + 127, the biased
     * exponent of 2^n, in the low mantissa bits, where a shift left by 23 moves it into the exponent field.
     */
    static final float SHIFTER = 12582912f + 127f;
    /** q(r) = C2 + C3 r + ... + C6 r^4, minimax for (exp(r) - 1 - r) / r^2 in relative error of exp on |r| <= ln 2 / 2. */
    static final float C2 = 0.4999999403953552f, C3 = 0.1666652113199234f, C4 = 0.04166838899254799f,
            C5 = 0.008368710055947304f, C6 = 0.001381461275741458f;

    private FloatExp() {
    }

    static float exp(float x) {
        float xc = Math.min(x, HI);                              // NaN stays NaN
        float t = Math.fma(xc, LOG2E, SHIFTER);
        float n = t - SHIFTER;                                   // round(x log2 e), ties to even
        float r = Math.fma(n, -LN2_LO, Math.fma(n, -LN2_HI, xc));
        float q = Math.fma(Math.fma(Math.fma(Math.fma(C6, r, C5), r, C4), r, C3), r, C2);
        float p = Math.fma(q, r * r, r) + 1f;                    // exp(r)
        float twoToN = Float.intBitsToFloat(Float.floatToRawIntBits(t) << 23);
        return x < LO ? 0f : p * twoToN;
    }

    /** 1 / (1 + exp(-z)) */
    static float sigmoid(float z) {
        return 1f / (exp(-z) + 1f);
    }
}
