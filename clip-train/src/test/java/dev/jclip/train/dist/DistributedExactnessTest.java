package dev.jclip.train.dist;

import dev.jclip.train.TestConfigs;
import dev.jclip.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thread-ranks training at global batch G give the weights of one process training batches of G in the same
 * order (data-order global): per tensor, ||w_ranks - w_one|| / ||w_one|| within 1e-10 in float64 and 1e-5 in
 * float32 (there leaving out the attention key biases, which are rounding noise in any float32 run: see
 * {@link DistributedRuns#worstRelativeDifference(Map, Map, boolean)}). The ResNet in float32 is the exception:
 * two one-process runs of the same computation in different summation orders already differ by ~3e-2 on some
 * BatchNorm biases after 10 steps (measured), so there the distributed run must be within twice that measured
 * difference; float64 shows the arithmetic is exact. The ResNet's BatchNorm takes statistics per rank (no SyncBatchNorm); its one-process reference takes
 * them per rank-sized slice (bn-ghost-batch).
 */
class DistributedExactnessTest {
    private static final int STEPS = 10;
    private static final int G = 16;

    @TempDir
    Path tmp;

    private TrainConfig config(String model, String precision, int accum, Path out) {
        return TestConfigs.of("model", model, "precision", precision, "batch-size", G, "accum-freq", accum,
                "steps", (long) STEPS, "lr", 2e-3, "warmup", 2L, "grad-clip-norm", 1.0, "output", out.toString(),
                "checkpoint-every", 5L, "log-every", 5, "seed", 3L, "data-order", "global");
    }

    /** One distributed run against its one-process reference; returns the worst difference (and, for the ResNet, the control's). */
    private double[] check(String model, String precision, int world, int accum) throws Exception {
        String name = model + "-" + precision + "-w" + world + "-a" + accum;
        TrainConfig dist = config(model, precision, accum, tmp.resolve(name + "-ranks"));
        TrainConfig one = config(model, precision, accum, tmp.resolve(name + "-one"))
                .with(Map.of("bn-ghost-batch", G / world / accum), "test");
        int pairs = 5 * G;   // 5 steps an epoch: the run crosses an epoch boundary
        Map<String, INDArray> reference = DistributedRuns.oneProcess(one, DistributedRuns.data(one, pairs));
        List<Map<String, INDArray>> ranks = DistributedRuns.ranks(world, dist, r -> DistributedRuns.data(dist, pairs));
        for (int r = 1; r < world; r++) {   // every rank took the same steps: the same bits
            assertTrue(DistributedRuns.worstRelativeDifference(ranks.get(r), ranks.get(0)).getValue() == 0, name + ": rank " + r + " differs from rank 0");
        }
        assertTrue(Files.exists(Path.of(dist.checkpointing().output(), "model.safetensors")));
        Map.Entry<String, Double> worst = DistributedRuns.worstRelativeDifference(ranks.get(0), reference, "float32".equals(precision));
        System.out.printf("%s: worst ||diff||/||w|| %.3e (%s)%n", name, worst.getValue(), worst.getKey());
        double control = Double.NaN;
        if (model.startsWith("RN") && "float32".equals(precision)) {
            // float32 ResNet training is too sensitive for 1e-5 after 10 steps in ANY two summation orders: the
            // bound is what one process gives for the same run computed in another order (accum-freq world x
            // accum-freq: the same BatchNorm slices, no ghost batch norm)
            TrainConfig other = config(model, precision, accum * world, tmp.resolve(name + "-other"));
            control = DistributedRuns.worstRelativeDifference(DistributedRuns.oneProcess(other, DistributedRuns.data(other, pairs)), reference, true).getValue();
            System.out.printf("%s: one process, the same run in another summation order: %.3e%n", name, control);
            return new double[]{worst.getValue(), control, 1};
        }
        if (model.startsWith("RN") && "float64".equals(precision)) {
            // the check can fail: without ghost batch norm the reference normalises over whole micro-batches
            TrainConfig plain = config(model, precision, accum, tmp.resolve(name + "-plain"));
            control = DistributedRuns.worstRelativeDifference(ranks.get(0), DistributedRuns.oneProcess(plain, DistributedRuns.data(plain, pairs))).getValue();
            System.out.printf("%s without ghost batch norm in the reference: %.3e%n", name, control);
        }
        return new double[]{worst.getValue(), control, 0};
    }

    /**
     * The cases: by default a few (the fast ones, still every world size, precision, accumulation and both
     * towers); with {@code -Pdist-full} (system property dist.fullMatrix) every combination of world 2 and 4,
     * accum-freq 1 and 2, float64 and float32.
     */
    private static List<int[]> cases(boolean resnet) {
        if (Boolean.getBoolean("dist.fullMatrix")) {
            List<int[]> all = new java.util.ArrayList<>();
            for (int precision : new int[]{64, 32}) {
                for (int world : new int[]{2, 4}) for (int accum : new int[]{1, 2}) all.add(new int[]{precision, world, accum});
            }
            return all;
        }
        return resnet ? List.of(new int[]{64, 2, 2}, new int[]{32, 2, 1})
                : List.of(new int[]{64, 2, 1}, new int[]{64, 4, 2}, new int[]{32, 4, 1});
    }

    private void checkAll(String model) throws Exception {
        for (int[] c : cases(model.startsWith("RN"))) {
            String precision = "float" + c[0];
            double[] d = check(model, precision, c[1], c[2]);
            String what = model + " " + precision + " world " + c[1] + " accum-freq " + c[2] + ": " + d[0];
            if (d[2] == 1) {
                assertTrue(d[0] <= Math.max(1e-5, 2 * d[1]), what + ", one process in another order: " + d[1]);
                continue;
            }
            assertTrue(d[0] <= (c[0] == 64 ? 1e-10 : 1e-5), what);
            if (!Double.isNaN(d[1])) assertFalse(d[1] <= 1e-10, "the control matched: the check cannot fail");
        }
    }

    @Test
    void vitOnTwoAndFourRanksMatchesOneProcess() throws Exception {
        checkAll("ViT-tiny");
    }

    @Test
    void resnetWithPerRankBatchNormMatchesGhostBatchNorm() throws Exception {
        checkAll("RN-tiny");
    }
}
