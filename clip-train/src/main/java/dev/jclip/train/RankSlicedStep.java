package dev.jclip.train;

import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.data.loader.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code rank-slices W}: one process computes a step over the global batch exactly as W ranks with
 * {@code gradient-sum rank-order} do. Slice r (rows [r n, (r+1) n), n = batch / W) is embedded as rank r embeds
 * it (its own micro-batches and BatchNorm statistics), takes rank r's share of the global loss
 * ({@link ContrastiveLoss#shard}, with every slice's log-sum-exps) and backpropagates into zeroed gradients; the W
 * partial gradients are then summed in slice order in float64 ({@link RankOrderSum}). Every operation sees the
 * operands it sees on its rank, so the result has the distributed run's bits: it is the one-process reference
 * that makes a float32 distributed run comparable bit for bit, where a plain one-process run of the same global
 * batch (a G-row matrix product instead of W products of n rows summed, one loss instead of W shares) rounds
 * differently and AdamW magnifies the difference for gradients that are nearly zero (docs/SCALING.md).
 * <p>
 * The price: W copies of the gradient buffer and, even with accum-freq 1, a second forward pass per slice.
 */
final class RankSlicedStep {
    private RankSlicedStep() {
    }

    /** Leaves the summed gradient of the global loss in the model's parameters (overwriting them) and returns the loss. */
    static double run(ClipModel model, Batch batch, int slices, int accumFreq, int imageChunk, long seed) {
        int g = batch.size();
        if (g % slices != 0) throw new IllegalArgumentException("batch of " + g + " does not split into " + slices + " rank slices");
        int n = g / slices;
        if (n % accumFreq != 0) throw new IllegalArgumentException("rank slice of " + n + " is not divisible by accum-freq " + accumFreq);
        int micro = n / accumFreq;
        int chunk = imageChunk > 0 ? imageChunk : micro;
        if (micro % chunk != 0) throw new IllegalArgumentException("bn-ghost-batch " + chunk + " does not divide the micro-batch of " + micro);
        if (model.logitBias() != null) throw new IllegalStateException("the SigLIP loss is not split over ranks yet");

        Batch[] local = new Batch[slices];
        INDArray[] images = new INDArray[slices], texts = new INDArray[slices];
        for (int r = 0; r < slices; r++) {
            local[r] = Batch.of(FeatureCachedStep.rows(batch.images(), r, n), FeatureCachedStep.rows(batch.tokens(), r, n));
            INDArray[] f = FeatureCachedStep.embed(model, local[r], accumFreq, chunk, seed, r * n);
            images[r] = f[0];
            texts[r] = f[1];
        }
        INDArray allImages = Nd4j.concat(0, images), allTexts = Nd4j.concat(0, texts);
        double scale = model.logitScale().value().getDouble(0);
        ContrastiveLoss.Shard[] shards = new ContrastiveLoss.Shard[slices];
        double[] rowLse = new double[g], colLse = new double[g];
        for (int r = 0; r < slices; r++) {
            shards[r] = ContrastiveLoss.shard(allImages, allTexts, r * n, n, scale);
            System.arraycopy(shards[r].rowLogSumExps(), 0, rowLse, r * n, n);
            System.arraycopy(shards[r].columnLogSumExps(), 0, colLse, r * n, n);
        }

        INDArray flat = model.parameters().flatGrads();
        int p = Math.toIntExact(flat.length());
        boolean f64 = flat.dataType() == DataType.DOUBLE;
        double[] gathered64 = f64 ? new double[slices * p] : null;
        float[] gathered32 = f64 ? null : new float[Math.multiplyExact(slices, p)];
        double[] losses = new double[slices];
        for (int r = 0; r < slices; r++) {
            model.parameters().zeroGrad();
            ContrastiveLoss.Result share = shards[r].finish(rowLse, colLse);
            if (model.logitScale().trainable()) model.logitScale().grad().addi(share.gradLogitScale());
            FeatureCachedStep.backward(model, local[r], accumFreq, chunk, seed, r * n, share.gradImageFeatures().detach(),
                    share.gradTextFeatures().detach());
            losses[r] = share.loss();
            if (f64) System.arraycopy(flat.toDoubleVector(), 0, gathered64, r * p, p);
            else System.arraycopy(flat.toFloatVector(), 0, gathered32, r * p, p);
        }
        if (f64) {
            double[] sum = new double[p];
            RankOrderSum.sum(gathered64, slices, sum);
            flat.assign(Nd4j.createFromArray(sum));
        } else {
            float[] sum = new float[p];
            RankOrderSum.sum(gathered32, slices, sum);
            flat.assign(Nd4j.createFromArray(sum));
        }
        double[] loss = new double[1];
        RankOrderSum.sum(losses, slices, loss);
        return loss[0];
    }
}
