package dev.jclip.train.dist;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadCollectiveTest {

    private static float[] values(int rank, int n) {
        Random r = new Random(100 + rank);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(8) - 4));
        return v;
    }

    @Test
    void sumsInRankOrderGiveTheSameBitsOnEveryRank() throws Exception {
        int n = 1000;
        List<float[]> sums = DistributedRuns.onRanks(4, Duration.ofSeconds(30), c -> {
            float[] b = values(c.rank(), n);
            c.allReduceSum(b);
            return b;
        });
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            float s = values(0, n)[i];
            for (int r = 1; r < 4; r++) s += values(r, n)[i];
            expected[i] = s;
        }
        for (float[] s : sums) assertArrayEquals(expected, s);
    }

    @Test
    void doubleSumsAndGatherInRankOrder() throws Exception {
        List<double[][]> out = DistributedRuns.onRanks(3, Duration.ofSeconds(30), c -> {
            double[] local = {c.rank(), 10 + c.rank()};
            double[] gathered = new double[6];
            c.allGather(local, gathered);
            float[] localF = {c.rank() * 2f};
            float[] gatheredF = new float[3];
            c.allGather(localF, gatheredF);
            double[] sum = {1.5, c.rank()};
            c.allReduceSum(sum);
            byte[] b = c.rank() == 1 ? new byte[]{7, 8, 9} : new byte[3];
            c.broadcast(b, 1);
            c.barrier();
            return new double[][]{gathered, {gatheredF[0], gatheredF[1], gatheredF[2]}, sum, {b[0], b[1], b[2]}};
        });
        for (double[][] r : out) {
            assertArrayEquals(new double[]{0, 10, 1, 11, 2, 12}, r[0]);
            assertArrayEquals(new double[]{0, 2, 4}, r[1]);
            assertArrayEquals(new double[]{4.5, 3}, r[2]);
            assertArrayEquals(new double[]{7, 8, 9}, r[3]);
        }
    }

    @Test
    void aFailingRankMakesTheOthersThrowAtOnce() {
        long t0 = System.nanoTime();
        Exception e = assertThrows(Exception.class, () -> DistributedRuns.onRanks(3, Duration.ofMinutes(5), c -> {
            if (c.rank() == 2) throw new IllegalStateException("rank 2 broke");
            c.allReduceSum(new double[4]);
            return null;
        }));
        // the others were released by rank 2's close, long before the five-minute timeout
        assertTrue(System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(1), "took " + (System.nanoTime() - t0) / 1e9 + " s");
        assertTrue(e instanceof CollectiveException || e instanceof IllegalStateException, e.toString());
    }

    @Test
    void aRankThatNeverArrivesTimesTheOthersOut() throws Exception {
        List<ThreadCollective> world = ThreadCollective.world(2, Duration.ofMillis(200));
        CollectiveException e = assertThrows(CollectiveException.class, () -> world.get(0).barrier());
        assertTrue(e.getMessage().contains("rank 0 waited"), e.getMessage());
        // and the world stays failed: the late rank learns it instead of waiting
        CollectiveException late = assertThrows(CollectiveException.class, () -> world.get(1).barrier());
        assertTrue(late.getMessage().contains("rank 0 waited"), late.getMessage());
    }

    @Test
    void buffersOfDifferentLengthsAreRefusedOnEveryRank() {
        Exception e = assertThrows(Exception.class, () -> DistributedRuns.onRanks(2, Duration.ofSeconds(30), c -> {
            c.allReduceSum(new float[c.rank() == 0 ? 3 : 4]);
            return null;
        }));
        assertTrue(e.getMessage().contains("allReduceSum"), e.getMessage());
    }

    @Test
    void aWorldOfOneIsTheIdentity() {
        try (LocalCollective c = new LocalCollective()) {
            float[] b = {1, 2};
            c.allReduceSum(b);
            float[] out = new float[2];
            c.allGather(b, out);
            assertArrayEquals(new float[]{1, 2}, out);
            assertEquals(1, c.worldSize());
            assertThrows(IllegalArgumentException.class, () -> c.allGather(b, new float[3]));
        }
    }
}
