package dev.jclip.dist;

import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One rank of the jobs MpiCollectiveTest starts under mpirun. {@code check}: every collective operation against
 * values computed here independently (exits 0 and prints "rank R of N ok" when all match). {@code throw},
 * {@code exit}, {@code kill}: rank 1 fails in that way while the others wait in an all-reduce.
 */
public final class MpiWorker {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Collective c = Collectives.open("auto");
        if (!(c instanceof MpiCollective mpi)) throw new AssertionError("auto did not choose MPI under mpirun: " + c);
        try {
            switch (mode) {
                case "check" -> check(c);
                case "signals" -> signals(c);
                case "bench" -> bench(c);
                case "throw", "exit", "kill" -> fail(c, mode);
                default -> throw new IllegalArgumentException(mode);
            }
            c.close();
            System.out.println("rank " + c.rank() + " of " + c.worldSize() + " ok " + mpi.library());
        } catch (Throwable t) {
            Collectives.abort(c, 1, "jclip: rank " + c.rank() + " failed: " + t);
        }
    }

    private static void fail(Collective c, String mode) throws Exception {
        c.barrier();
        if (c.rank() == 1) {
            switch (mode) {
                case "throw" -> throw new IllegalStateException("rank 1 fails on purpose");
                case "exit" -> System.exit(3);
                default -> {
                    long pid = ProcessHandle.current().pid();
                    new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start().waitFor();
                }
            }
        }
        c.allReduceSum(new float[1000]);   // the others wait here for rank 1, which never comes
        throw new AssertionError("rank " + c.rank() + " finished an all-reduce that rank 1 never joined");
    }

    /**
     * Work that makes the JVM take SIGSEGV itself (implicit null checks in compiled code, safepoints, collections)
     * after MPI started: a transport that replaced the JVM's signal handler crashes the process here.
     */
    private static void signals(Collective c) {
        Object[] maybe = new Object[64];
        for (int i = 0; i < maybe.length; i += 2) maybe[i] = new Object();
        long npes = 0;
        for (int round = 0; round < 200_000; round++) {
            try {
                npes += maybe[round & 63].hashCode() & 1;
            } catch (NullPointerException e) {
                npes++;
            }
            if (round % 50_000 == 0) System.gc();
        }
        float[] sum = {npes};
        c.allReduceSum(sum);
        expect(sum[0] > 0, "null checks ran");
    }

    /** The bandwidth benchmark's rows agree on every rank (the slowest rank's time is shared). */
    private static void bench(Collective c) {
        var rows = dev.jclip.train.bench.CollectiveBenchmark.run(c, 4096, 65536);
        expect(rows.size() == 6, "two operations at three sizes");
        double[] mine = rows.stream().mapToDouble(r -> r.seconds()).toArray();
        double[] all = new double[mine.length * c.worldSize()];
        c.allGather(mine, all);
        for (int r = 0; r < c.worldSize(); r++) {
            expect(Arrays.equals(Arrays.copyOfRange(all, r * mine.length, (r + 1) * mine.length), mine),
                    "rank " + r + " reports the same times");
        }
        for (var row : rows) expect(row.busGBs() > 0 && row.worldSize() == c.worldSize(), "bus bandwidth of " + row);
    }

    private static void check(Collective c) {
        int rank = c.rank();
        int n = c.worldSize();
        expect(Integer.parseInt(System.getenv().getOrDefault("OMPI_COMM_WORLD_SIZE",
                System.getenv().getOrDefault("PMI_SIZE", "-1"))) == n, "world size matches the launcher's");

        // all-gather: rank order, odd lengths, several chunks when jclip.mpi.chunkBytes is small
        for (int len : new int[] {0, 1, 7, 3001}) {
            float[] lf = new float[len];
            double[] ld = new double[len];
            for (int i = 0; i < len; i++) {
                lf[i] = rank * 100_000 + i;
                ld[i] = rank * 1e9 + i + 0.25;
            }
            float[] of = new float[len * n];
            double[] od = new double[len * n];
            c.allGather(lf, of);
            c.allGather(ld, od);
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < len; i++) {
                    expect(of[r * len + i] == r * 100_000 + i, "float all-gather element " + i + " of rank " + r);
                    expect(od[r * len + i] == r * 1e9 + i + 0.25, "double all-gather element " + i + " of rank " + r);
                }
            }
        }

        // all-reduce of integers (exact in any order) against the naive sum over ranks
        int len = 5003;
        float[] f = new float[len];
        double[] d = new double[len];
        for (int i = 0; i < len; i++) {
            f[i] = intValue(rank, i);
            d[i] = intValue(rank, i) * 3.0;
        }
        c.allReduceSum(f);
        c.allReduceSum(d);
        for (int i = 0; i < len; i++) {
            double naive = 0;
            for (int r = 0; r < n; r++) naive += intValue(r, i);
            expect(f[i] == naive, "float all-reduce element " + i + ": " + f[i] + " != " + naive);
            expect(d[i] == naive * 3.0, "double all-reduce element " + i);
        }

        // all-reduce of random values: close to the double-precision sum, the same bits on every rank, and the same
        // bits again when repeated (no dependence on timing)
        float[] rf = randomFloats(rank, len);
        float[] first = rf.clone();
        c.allReduceSum(first);
        float[] second = rf.clone();
        c.allReduceSum(second);
        expect(Arrays.equals(first, second), "a repeated float all-reduce gives the same bits");
        float[] everyRank = new float[len * n];
        c.allGather(first, everyRank);
        for (int r = 0; r < n; r++) {
            expect(Arrays.equals(Arrays.copyOfRange(everyRank, r * len, (r + 1) * len), first),
                    "rank " + r + " holds the same float sum bits as rank " + rank);
        }
        float[][] inputs = new float[n][];
        double[][] inputsD = new double[n][];
        for (int r = 0; r < n; r++) {
            inputs[r] = randomFloats(r, len);
            inputsD[r] = new SplittableRandom(r).doubles(len, -1, 1).toArray();
        }
        for (int i = 0; i < len; i++) {
            double naive = 0;
            for (int r = 0; r < n; r++) naive += inputs[r][i];
            expect(Math.abs(first[i] - naive) <= 1e-5 * n, "float sum element " + i + " near the naive sum");
        }
        double[] sd = inputsD[rank].clone();
        c.allReduceSum(sd);
        double[] allD = new double[len * n];
        c.allGather(sd, allD);
        for (int r = 0; r < n; r++) {
            expect(Arrays.equals(Arrays.copyOfRange(allD, r * len, (r + 1) * len), sd), "same double sum bits on rank " + r);
        }
        for (int i = 0; i < len; i++) {
            double naive = 0;
            for (int r = 0; r < n; r++) naive += inputsD[r][i];
            expect(Math.abs(sd[i] - naive) <= 1e-13 * n, "double sum element " + i + " near the naive sum");
        }

        // broadcast from the last rank, several chunks
        byte[] b = new byte[4099];
        if (rank == n - 1) {
            for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31 + 7);
        }
        c.broadcast(b, n - 1);
        for (int i = 0; i < b.length; i++) expect(b[i] == (byte) (i * 31 + 7), "broadcast byte " + i);
        c.barrier();
    }

    private static int intValue(int rank, int i) {
        return (rank + 1) * (i % 97) - 50 * rank;
    }

    private static float[] randomFloats(int rank, int len) {
        SplittableRandom random = new SplittableRandom(1000 + rank);
        float[] v = new float[len];
        for (int i = 0; i < len; i++) v[i] = (float) random.nextDouble(-1, 1);
        return v;
    }

    private static void expect(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }
}
