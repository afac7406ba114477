package dev.jclip.train;

import java.util.function.IntToDoubleFunction;

/**
 * Sums per-rank partial results laid out rank after rank ({@code gathered[r * len + i]}, what an all-gather
 * gives) element by element in rank order, accumulating in float64 and rounding once. The result is a function
 * of the partials alone: not of the MPI library, its algorithm or the world's message sizes. Both sides of an
 * exact comparison use it: a distributed run with {@code gradient-sum rank-order} ({@link GradientSync}) and one
 * process reproducing it with {@code rank-slices} ({@link RankSlicedStep}).
 */
final class RankOrderSum {
    /** Elements summed at a time: each rank's partials of a block are read in one sequential run. */
    private static final int BLOCK = 1024;

    /** Where element {@code i}'s float64 sum goes, rounded once to the output's type. */
    private interface Sums {
        void set(int i, double sum);
    }

    private RankOrderSum() {
    }

    static void sum(float[] gathered, int ranks, float[] out) {
        sum(gathered.length, ranks, out.length, i -> gathered[i], (i, s) -> out[i] = (float) s);
    }

    static void sum(double[] gathered, int ranks, double[] out) {
        sum(gathered.length, ranks, out.length, i -> gathered[i], (i, s) -> out[i] = s);
    }

    /**
     * The one body of both types; {@code partial} reads {@code gathered[j]} widened exactly to float64. Every
     * element's sum is rank 0's partial plus those of ranks 1, 2, ... in that order, whatever the blocking.
     */
    private static void sum(int gathered, int ranks, int len, IntToDoubleFunction partial, Sums out) {
        if ((long) ranks * len != gathered) {
            throw new IllegalArgumentException(gathered + " gathered values are not " + ranks + " partials of " + len);
        }
        double[] s = new double[Math.min(len, BLOCK)];
        for (int from = 0; from < len; from += BLOCK) {
            int n = Math.min(BLOCK, len - from);
            for (int j = 0; j < n; j++) s[j] = partial.applyAsDouble(from + j);
            for (int r = 1; r < ranks; r++) {
                int o = r * len + from;
                for (int j = 0; j < n; j++) s[j] += partial.applyAsDouble(o + j);
            }
            for (int j = 0; j < n; j++) out.set(from + j, s[j]);
        }
    }
}
