package dev.jclip.core.nn;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FloatExp}: its accuracy against the correctly rounded exponential, and the vector version's bits against the
 * scalar one's, on a dense sweep of the whole range the kernels use and beyond it.
 */
class FloatExpTest {

    /** Every float step of 2^-12 over [-90, 90], plus random floats, plus the edges. */
    private static float[] inputs() {
        int sweep = (int) (180 * 4096) + 1;
        Random rnd = new Random(3);
        float[] x = new float[sweep + 200_000 + 8];
        for (int i = 0; i < sweep; i++) x[i] = -90f + i / 4096f;
        for (int i = 0; i < 200_000; i++) x[sweep + i] = (float) (rnd.nextDouble() * 180 - 90);
        float[] edges = {FloatExp.LO, FloatExp.HI, Math.nextDown(FloatExp.LO), Math.nextUp(FloatExp.HI), 0f, -0f,
                Float.MIN_VALUE, -Float.MIN_VALUE};
        System.arraycopy(edges, 0, x, sweep + 200_000, edges.length);
        return x;
    }

    /** Distance in units in the last place between two positive floats. */
    private static long ulps(float a, float b) {
        return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }

    @Test
    void within1UlpOfTheCorrectlyRoundedExpOnTheUsedRange() {
        long worst = 0;
        float worstAt = 0;
        for (float x : inputs()) {
            if (x < FloatExp.LO || x > FloatExp.HI) continue;
            float exact = (float) StrictMath.exp(x);   // double result rounded once: correct to within 1/2 ulp of float
            long u = ulps(exact, FloatExp.exp(x));
            if (u > worst) {
                worst = u;
                worstAt = x;
            }
        }
        System.out.println("FloatExp max error on [" + FloatExp.LO + ", " + FloatExp.HI + "]: " + worst + " ulp at x = " + worstAt);
        assertTrue(worst <= 1, "max error " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void outsideTheRangeItSaturates() {
        assertEquals(0f, FloatExp.exp(-87.5f));
        assertEquals(0f, FloatExp.exp(-1e30f));
        assertEquals(0f, FloatExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(FloatExp.exp(FloatExp.HI), FloatExp.exp(1e4f));
        assertTrue(Float.isFinite(FloatExp.exp(Float.POSITIVE_INFINITY)));
        assertTrue(Float.isNaN(FloatExp.exp(Float.NaN)));
        assertEquals(1f, FloatExp.exp(0f));
        assertEquals(1f, FloatExp.exp(-0f));
    }

    @Test
    void vectorAndScalarGiveTheSameBitsEverywhere() {
        float[] x = inputs();
        float[] withNaN = java.util.Arrays.copyOf(x, x.length + 8);
        for (int i = 0; i < 8; i++) withNaN[x.length + i] = i % 2 == 0 ? Float.NaN : (i % 4 == 1 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY);
        // Far below LO first: the vector exp has no lower clamp, so its arithmetic there is garbage that must be
        // replaced by the same 0 the scalar path gives.
        float[] farBelow = {-1e30f, -Float.MAX_VALUE, -1e10f, -1000f, -200f, -128f, -127f, Math.nextDown(-87f)};
        float[] all = new float[farBelow.length + withNaN.length];
        System.arraycopy(farBelow, 0, all, 0, farBelow.length);
        System.arraycopy(withNaN, 0, all, farBelow.length, withNaN.length);
        withNaN = all;
        int n = withNaN.length - withNaN.length % 8;
        int differ = 0;
        for (int i = 0; i < n; i += 8) {
            FloatVector v = VectorFloatLoops.exp(FloatVector.fromArray(FloatVector.SPECIES_256, withNaN, i));
            for (int j = 0; j < 8; j++) {
                if (Float.floatToIntBits(v.lane(j)) != Float.floatToIntBits(FloatExp.exp(withNaN[i + j]))) differ++;
            }
        }
        assertEquals(0, differ, "lanes whose bits differ from the scalar exp");
    }

    @Test
    void sameBitsColdAndWarm() {
        // the bug this replaces: the Vector API's EXP gave other bits once C2 had compiled it
        float[] x = new float[65_536];
        Random rnd = new Random(5);
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 10);
        FloatLoops loops = new VectorFloatLoops();
        float[] cold = x.clone();
        float coldSum = loops.expShifted(cold, 0, cold.length, 0f);
        float[] warm = null;
        float warmSum = 0;
        for (int rep = 0; rep < 200; rep++) {
            warm = x.clone();
            warmSum = loops.expShifted(warm, 0, warm.length, 0f);
        }
        assertEquals(Float.floatToIntBits(coldSum), Float.floatToIntBits(warmSum));
        for (int i = 0; i < x.length; i++) assertEquals(Float.floatToIntBits(cold[i]), Float.floatToIntBits(warm[i]), "lane " + i);
    }
}
