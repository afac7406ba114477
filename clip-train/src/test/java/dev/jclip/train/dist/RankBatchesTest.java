package dev.jclip.train.dist;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Contiguous shares of N batches, and the gather of arrays whose lengths differ by rank, that spread evaluation. */
class RankBatchesTest {
    @Test
    void sharesFollowEachOtherAndCoverEveryBatchOnce() {
        for (int world = 1; world <= 6; world++) {
            for (long n = 0; n <= 13; n++) {
                long at = 0;
                for (int r = 0; r < world; r++) {
                    RankBatches s = RankBatches.of(n, r, world);
                    assertEquals(at, s.from(), n + " over " + world + ", rank " + r);
                    // sizes differ by at most one, the larger first
                    assertEquals(n / world + (r < n % world ? 1 : 0), s.size(), n + " over " + world + ", rank " + r);
                    at = s.to();
                }
                assertEquals(n, at);
            }
        }
        assertEquals(new RankBatches(2, 3), RankBatches.of(3, 1, 2));
        assertEquals(new RankBatches(3, 3), RankBatches.of(3, 3, 4));
        assertThrows(IllegalArgumentException.class, () -> RankBatches.of(3, 2, 2));
    }

    @Test
    void allGatherConcatJoinsArraysOfEveryLengthInRankOrder() throws Exception {
        // rank r contributes r values (rank 0 none): 1; 2, 2; 3, 3, 3 after the empty one
        List<double[]> out = DistributedRuns.onRanks(4, c -> {
            double[] mine = new double[c.rank()];
            java.util.Arrays.fill(mine, c.rank());
            return Collectives.allGatherConcat(c, mine);
        });
        for (double[] o : out) assertArrayEquals(new double[] {1, 2, 2, 3, 3, 3}, o);
        assertArrayEquals(new double[] {4, 5}, Collectives.allGatherConcat(new LocalCollective(), new double[] {4, 5}));
    }
}
