package dev.jclip.train;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankOrderSumTest {
    /** The definition, naively: element i is rank 0's partial plus rank 1's, 2's, ... in float64, left to right. */
    private static double[] naive(double[] gathered, int ranks) {
        int len = gathered.length / ranks;
        double[] out = new double[len];
        for (int i = 0; i < len; i++) {
            double s = gathered[i];
            for (int r = 1; r < ranks; r++) s = s + gathered[r * len + i];
            out[i] = s;
        }
        return out;
    }

    /** Partials of mixed magnitudes, so the order of the additions shows in the bits; some -0.0, which 0.0 + -0.0 would lose. */
    private static double[] partials(int n, Random rnd) {
        double[] g = new double[n];
        for (int i = 0; i < n; i++) g[i] = rnd.nextInt(50) == 0 ? -0.0 : rnd.nextGaussian() * Math.pow(10, rnd.nextInt(16) - 8);
        return g;
    }

    @Test
    void sumsInRankOrderToTheBitsOfTheNaiveFloat64Sum() {
        Random rnd = new Random(3);
        for (int ranks : new int[]{1, 2, 3, 7}) {
            for (int len : new int[]{0, 1, 1023, 1024, 2500}) {
                double[] g = partials(ranks * len, rnd);
                double[] expected = naive(g, ranks);
                double[] sum = new double[len];
                RankOrderSum.sum(g, ranks, sum);
                float[] g32 = new float[g.length];
                double[] widened = new double[g.length];
                for (int i = 0; i < g.length; i++) widened[i] = g32[i] = (float) g[i];
                double[] expected32 = naive(widened, ranks);
                float[] sum32 = new float[len];
                RankOrderSum.sum(g32, ranks, sum32);
                for (int i = 0; i < len; i++) {
                    assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(sum[i]), ranks + " x " + len + " @" + i);
                    assertEquals(Float.floatToRawIntBits((float) expected32[i]), Float.floatToRawIntBits(sum32[i]), ranks + " x " + len + " @" + i);
                }
            }
        }
    }

    @Test
    void refusesGatheredValuesThatAreNotRanksTimesTheOutput() {
        assertThrows(IllegalArgumentException.class, () -> RankOrderSum.sum(new float[10], 3, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> RankOrderSum.sum(new double[6], 2, new double[2]));
    }
}
