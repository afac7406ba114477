package dev.jclip.train.bench;

import dev.jclip.train.dist.Collective;

import java.util.ArrayList;
import java.util.List;

/**
 * Bandwidth of a {@link Collective}'s all-reduce and all-gather over message sizes, measured as nccl-tests does: the
 * size is the bytes of the result every rank holds (an all-gather's output; each rank contributes size / ranks),
 * the time is the slowest rank's mean over the timed repetitions, algorithm bandwidth = size / time, and bus bandwidth
 * scales it by the traffic a ring needs (all-reduce 2(n-1)/n, all-gather (n-1)/n), comparable across world sizes and
 * with a link's speed. Times include copying the Java arrays to and from MPI's buffers, as training sees them.
 */
public final class CollectiveBenchmark {
    private CollectiveBenchmark() {
    }

    /**
     * One operation at one size.
     *
     * @param op          {@code all-reduce} or {@code all-gather}
     * @param bytes       the message size (float32 elements x 4)
     * @param iterations  timed repetitions (after two untimed ones)
     * @param seconds     the slowest rank's mean time per operation
     * @param algorithmGBs bytes / seconds / 1e9
     * @param busGBs      the ring's per-link traffic rate, 1e9 bytes/s
     */
    public record Row(String op, long bytes, int worldSize, int iterations, double seconds, double algorithmGBs,
                      double busGBs) {
    }

    /** Every size from {@code minBytes} to {@code maxBytes}, each 4x the last; both operations at each size. */
    public static List<Row> run(Collective c, long minBytes, long maxBytes) {
        if (minBytes < 4 * (long) c.worldSize() || maxBytes < minBytes) {
            throw new IllegalArgumentException("sizes " + minBytes + ".." + maxBytes + " bytes: need " + 4 * c.worldSize()
                    + " <= min <= max");
        }
        if (maxBytes / 4 > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("max size " + maxBytes + " bytes is over 8 GB");
        List<Row> rows = new ArrayList<>();
        for (long bytes = minBytes; bytes <= maxBytes; bytes *= 4) {
            rows.add(allReduce(c, bytes));
            rows.add(allGather(c, bytes));
        }
        return rows;
    }

    /** Repetitions for a size: about 512 MB moved in all, between 3 and 200 (the same on every rank). */
    static int iterations(long bytes) {
        return (int) Math.max(3, Math.min(200, (512L << 20) / bytes));
    }

    private static Row allReduce(Collective c, long bytes) {
        float[] buffer = new float[(int) (bytes / 4)];
        java.util.Arrays.fill(buffer, 1f / c.worldSize());
        int n = iterations(bytes);
        for (int i = 0; i < 2; i++) c.allReduceSum(buffer);
        c.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) c.allReduceSum(buffer);
        double seconds = slowest(c, (System.nanoTime() - start) / 1e9 / n);
        int w = c.worldSize();
        return row("all-reduce", bytes, w, n, seconds, 2.0 * (w - 1) / w);
    }

    private static Row allGather(Collective c, long bytes) {
        int w = c.worldSize();
        float[] local = new float[(int) (bytes / 4 / w)];
        float[] out = new float[local.length * w];
        int n = iterations(bytes);
        for (int i = 0; i < 2; i++) c.allGather(local, out);
        c.barrier();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) c.allGather(local, out);
        double seconds = slowest(c, (System.nanoTime() - start) / 1e9 / n);
        return row("all-gather", (long) out.length * 4, w, n, seconds, (w - 1.0) / w);
    }

    private static Row row(String op, long bytes, int w, int n, double seconds, double busFactor) {
        double alg = bytes / seconds / 1e9;
        return new Row(op, bytes, w, n, seconds, alg, alg * busFactor);
    }

    /** The largest of every rank's {@code mine}, on every rank. */
    static double slowest(Collective c, double mine) {
        double[] all = new double[c.worldSize()];
        c.allGather(new double[] {mine}, all);
        double max = 0;
        for (double t : all) max = Math.max(max, t);
        return max;
    }
}
