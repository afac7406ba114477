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
 * the one-process float32 run is itself 1e-4..8e-2 away from the same run in float64 after 10 steps (measured, on
 * every vision tensor), so there each tensor must be within max(1e-5, twice that own error); float64 shows the
 * arithmetic is exact. The ResNet's BatchNorm takes statistics per rank (no SyncBatchNorm); its one-process reference takes
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

    /** One distributed run against its one-process reference; returns the worst difference (and, for the ResNet, the control's; in float32 the tensors outside their bound). */
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
            // float32 ResNet weights, per tensor: within max(1e-5, 2 e), e the one-process float32 run's own error
            // against the same run in float64 (the exact value). Measured: float32 training of this ResNet is
            // 1e-4..8e-2 away from exact arithmetic after 10 steps on every vision tensor (BatchNorm biases worst:
            // the next BatchNorm removes a uniform shift, so their gradients are sums that cancel almost to zero;
            // AdamW eps 1e-6..1e-2 and 3 instead of 10 steps did not bring it under 1e-5), so 1e-5 against another
            // float32 run is no property of any implementation; each run carries error e, their difference <= 2 e.
            TrainConfig exact = one.with(Map.of("precision", "float64", "output", tmp.resolve(name + "-f64").toString()), "test");
            Map<String, INDArray> f64 = DistributedRuns.oneProcess(exact, DistributedRuns.data(exact, pairs));
            double[] r = float32AgainstExact(name, ranks.get(0), reference, f64);
            return new double[]{r[0], r[1], 1};
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
     * Checks a float32 run against its float32 reference tensor by tensor: within max(1e-5, 2 e), e the reference's
     * own relative error against the float64 run {@code exact}. Returns the number of tensors outside their bound
     * and the largest difference over the reference's error.
     */
    private static double[] float32AgainstExact(String name, Map<String, INDArray> dist, Map<String, INDArray> ref, Map<String, INDArray> exact) {
        int outside = 0;
        double worstRatio = 0;
        String worst = null;
        for (String t : ref.keySet()) {
            INDArray r = ref.get(t).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            double d = dist.get(t).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(r).norm2Number().doubleValue()
                    / Math.max(r.norm2Number().doubleValue(), 1e-300);
            double e = exact.get(t).sub(r).norm2Number().doubleValue() / Math.max(exact.get(t).norm2Number().doubleValue(), 1e-300);
            if (d > Math.max(1e-5, 2 * e)) {
                outside++;
                System.out.printf("%s: %s differs by %.3e, float32's own error there %.3e%n", name, t, d, e);
            }
            if (d / e > worstRatio) {
                worstRatio = d / e;
                worst = t;
            }
        }
        System.out.printf("%s: %d tensors outside max(1e-5, 2 x float32's own error); largest difference / own error %.2f (%s)%n",
                name, outside, worstRatio, worst);
        return new double[]{outside, worstRatio};
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
                assertTrue(d[0] == 0, what + " tensors outside max(1e-5, 2 x float32's own error against float64)");
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
