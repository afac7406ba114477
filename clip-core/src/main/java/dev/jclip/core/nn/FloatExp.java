package dev.jclip.core.nn;

/**
 * The exponential the fused kernels use (softmax, sigmoid), written out so that its result is a function of its input
 * only: the same bits in the interpreter, C1 and C2, with and without the Vector API, at any vector width. The JDK's
 * {@code FloatVector.lanewise(EXP)} is not (per-lane {@code Math.exp} until C2 compiles it to SVML: different last
 * bits, so a run depended on JIT timing).
 *
 * <p>Cephes' {@code expf}: exp(x) = 2^n exp(r) with n = round(x log2 e) and r = x - n ln 2 (ln 2 split in two so the
 * first product is exact), exp(r) by a degree-6 polynomial in Horner form on |r| <= ln 2 / 2, and 2^n built from the
 * exponent bits. Only IEEE float +, -, * (no fused multiply-add, which Java never introduces by itself), so every
 * implementation of these steps rounds the same way. {@link VectorFloatLoops} repeats them lane by lane.
 *
 * <p>Range: inputs below {@link #LO} give 0, inputs above {@link #HI} give exp(HI) (the kernels feed it shifted
 * softmax scores <= 0 and sigmoid arguments; neither needs more), NaN gives NaN. Accuracy on [LO, HI]: within 1 ulp
 * of the correctly rounded value ({@code FloatExpTest}).
 */
final class FloatExp {
    static final float LO = -87f, HI = 88f;
    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n * LN2_HI is exact for |n| <= 128. */
    static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits. */
    static final float SHIFTER = 12582912f;
    static final int SHIFTER_BITS = 0x4B400000;
    static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    private FloatExp() {
    }

    static float exp(float x) {
        float xc = Math.min(Math.max(x, LO), HI);
        float t = xc * LOG2E + SHIFTER;
        float n = t - SHIFTER;                                   // round(x log2 e), ties to even
        float r = (xc - n * LN2_HI) - n * LN2_LO;
        float p = ((((r * P0 + P1) * r + P2) * r + P3) * r + P4) * r + P5;
        p = p * r * r + r + 1f;                                  // exp(r)
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(t) + (127 - SHIFTER_BITS)) << 23);
        return x < LO ? 0f : p * twoToN;
    }

    /** 1 / (1 + exp(-z)) */
    static float sigmoid(float z) {
        return 1f / (exp(-z) + 1f);
    }
}
