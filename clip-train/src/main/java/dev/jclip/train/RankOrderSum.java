package dev.jclip.train;

/**
 * Sums per-rank partial results laid out rank after rank ({@code gathered[r * len + i]}, what an all-gather
 * gives) element by element in rank order, accumulating in float64 and rounding once. The result is a function
 * of the partials alone: not of the MPI library, its algorithm or the world's message sizes. Both sides of an
 * exact comparison use it: a distributed run with {@code gradient-sum rank-order} ({@link GradientSync}) and one
 * process reproducing it with {@code rank-slices} ({@link RankSlicedStep}).
 */
final class RankOrderSum {
    private RankOrderSum() {
    }

    static void sum(float[] gathered, int ranks, float[] out) {
        int len = out.length;
        check(gathered.length, ranks, len);
        for (int i = 0; i < len; i++) {
            double s = gathered[i];
            for (int r = 1; r < ranks; r++) s += gathered[r * len + i];
            out[i] = (float) s;
        }
    }

    static void sum(double[] gathered, int ranks, double[] out) {
        int len = out.length;
        check(gathered.length, ranks, len);
        for (int i = 0; i < len; i++) {
            double s = gathered[i];
            for (int r = 1; r < ranks; r++) s += gathered[r * len + i];
            out[i] = s;
        }
    }

    private static void check(int gathered, int ranks, int len) {
        if ((long) ranks * len != gathered) {
            throw new IllegalArgumentException(gathered + " gathered values are not " + ranks + " partials of " + len);
        }
    }
}
