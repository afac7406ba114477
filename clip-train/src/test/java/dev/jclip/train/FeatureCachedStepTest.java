package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Feature-caching accumulation must give the gradient of the whole batch, not a sum of per-micro-batch losses. */
class FeatureCachedStepTest {

    static Batch randomBatch(ClipConfig cfg, int n, long seed) {
        int s = cfg.vision().imageSize();
        INDArray images = Nd4j.randn(seed, new long[]{n, 3, s, s}).castTo(DataType.FLOAT);
        int t = cfg.text().contextLength();
        int vocab = cfg.text().vocabSize();
        int[][] tokens = new int[n][t];
        Random rnd = new Random(seed);
        for (int i = 0; i < n; i++) {
            int len = 2 + rnd.nextInt(t - 2);
            tokens[i][0] = vocab - 2;                                   // start
            for (int j = 1; j < len - 1; j++) tokens[i][j] = 1 + rnd.nextInt(vocab - 3);
            tokens[i][len - 1] = vocab - 1;                             // end: the largest id
        }
        return Batch.of(images, Nd4j.createFromArray(tokens));
    }

    private static double worstRelativeDifference(ClipModel a, ClipModel b) {
        double worst = 0;
        for (Parameter pa : a.parameters()) {
            INDArray ga = pa.grad();
            INDArray gb = b.parameters().get(pa.name()).grad();
            double scale = Math.max(ga.amaxNumber().doubleValue(), 1e-12);
            worst = Math.max(worst, ga.sub(gb).amaxNumber().doubleValue() / scale);
        }
        return worst;
    }

    private static double check(DataType dtype) {
        return check(dtype, ClipConfig.preset("ViT-tiny"));
    }

    private static double check(DataType dtype, ClipConfig cfg) {
        Batch batch = randomBatch(cfg, 64, 11);
        try (ClipModel whole = ClipModel.create(cfg, 5, dtype); ClipModel parts = ClipModel.create(cfg, 5, dtype)) {
            double lossWhole = FeatureCachedStep.run(whole, batch, 1);
            double lossParts = FeatureCachedStep.run(parts, batch, 4);
            assertEquals(lossWhole, lossParts, dtype == DataType.DOUBLE ? 1e-12 : 1e-5);
            assertTrue(whole.logitScale().grad().getDouble(0) != 0);
            if (cfg.isSiglip()) assertTrue(whole.logitBias().grad().getDouble(0) != 0);
            // a naive per-micro-batch loss would give a visibly different gradient: make sure the check can fail
            try (ClipModel naive = ClipModel.create(cfg, 5, dtype)) {
                for (int k = 0; k < 4; k++) {
                    naive.trainStep(FeatureCachedStep.rows(batch.images(), k, 16), FeatureCachedStep.rows(batch.tokens(), k, 16));
                }
                assertTrue(worstRelativeDifference(whole, naive) > 1e-2);
            }
            return worstRelativeDifference(whole, parts);
        }
    }

    @Test
    void fourMicroBatchesOf16EqualOneBatchOf64InDouble() {
        double worst = check(DataType.DOUBLE);
        System.out.println("accumulation, float64: worst relative gradient difference " + worst);
        assertTrue(worst < 1e-10, "worst relative gradient difference " + worst);
    }

    @Test
    void fourMicroBatchesOf16EqualOneBatchOf64InFloat() {
        double worst = check(DataType.FLOAT);
        System.out.println("accumulation, float32: worst relative gradient difference " + worst);
        assertTrue(worst < 1e-4, "worst relative gradient difference " + worst);
    }

    /** The sigmoid loss couples the pairs too (every image against every text): the same exact accumulation. */
    @Test
    void siglipFourMicroBatchesOf16EqualOneBatchOf64InDouble() {
        double worst = check(DataType.DOUBLE, ClipConfig.preset("ViT-tiny").withSiglip());
        System.out.println("accumulation, SigLIP, float64: worst relative gradient difference " + worst);
        assertTrue(worst < 1e-10, "worst relative gradient difference " + worst);
    }

    /** Patch dropout chooses by (step seed, row): the recompute pass and the micro-batches see the whole batch's choice. */
    @Test
    void patchDropoutMicroBatchesEqualOneBatchInDouble() {
        ClipConfig cfg = ClipConfig.preset("ViT-tiny").withPatchDropout(0.5);
        Batch batch = randomBatch(cfg, 32, 11);
        try (ClipModel whole = ClipModel.create(cfg, 5, DataType.DOUBLE); ClipModel parts = ClipModel.create(cfg, 5, DataType.DOUBLE)) {
            assertEquals(FeatureCachedStep.run(whole, batch, 1, 99), FeatureCachedStep.run(parts, batch, 4, 99), 1e-12);
            double worst = worstRelativeDifference(whole, parts);
            assertTrue(worst < 1e-10, "worst relative gradient difference " + worst);
        }
    }

    /** ResNet towers (BatchNorm in training mode) run through the accumulation path; statistics are per micro-batch. */
    @Test
    void resNetMicroBatchesRunAndGiveFiniteGradients() {
        ClipConfig cfg = ClipConfig.preset("RN-tiny");
        Batch batch = randomBatch(cfg, 8, 3);
        try (ClipModel m = ClipModel.create(cfg, 1)) {
            double loss = FeatureCachedStep.run(m, batch, 2);
            assertTrue(Double.isFinite(loss));
            double norm = dev.jclip.train.optim.GradientClipping.globalNorm(m.parameters());
            assertTrue(Double.isFinite(norm) && norm > 0, "gradient norm " + norm);
            // each micro-batch went through BatchNorm twice (embedding pass and recompute pass)
            assertEquals(4, m.parameters().buffers().get("visual.bn1.num_batches_tracked").getLong(0));
        }
    }
}
