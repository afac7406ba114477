package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.core.nn.StepWorkspace;
import dev.jclip.train.dist.Collective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Forward, loss (contrastive or SigLIP's sigmoid, {@link ClipModel#loss}) and backward over one global batch, optionally in micro-batches with the exact
 * gradient of the whole batch (open_clip's {@code --accum-freq}). The contrastive loss couples every pair with
 * every other, so micro-batches cannot simply be summed. Instead: embed every micro-batch (keeping only the
 * features), take the loss over all features at once, then for each micro-batch recompute its forward pass and
 * backpropagate its rows of the feature gradient. Parameter gradients then equal those of one big batch, while
 * activations are held for one micro-batch at a time; the price is a second forward pass.
 * <p>
 * Distributed ({@link #run(ClipModel, Batch, int, int, Collective, long)}): each rank holds its rows of the global batch,
 * embeds them, all-gathers every rank's features, takes its share of the global loss ({@link ContrastiveLoss#shard})
 * and backpropagates its own rows; the parameter gradients are then summed over ranks, which gives every rank the
 * gradient of the global batch's loss.
 */
final class FeatureCachedStep {
    private FeatureCachedStep() {
    }

    /**
     * Accumulates the gradient of the batch's loss into the model's parameters (not zeroed here) and returns
     * the loss.
     */
    static double run(ClipModel model, Batch batch, int accumFreq) {
        return run(model, batch, accumFreq, 0);
    }

    /**
     * The same, with {@code seed} for the step's random choices (patch dropout): the embedding and the recompute
     * pass of a micro-batch make the same choices, and they do not depend on {@code accumFreq}.
     */
    static double run(ClipModel model, Batch batch, int accumFreq, long seed) {
        if (accumFreq == 1) {
            model.seedRandomness(seed, 0);
            return model.trainStep(batch.images(), batch.tokens()).loss();
        }
        int b = batch.size();
        if (b % accumFreq != 0) {
            throw new IllegalArgumentException("batch of " + b + " is not divisible by accum-freq " + accumFreq);
        }
        int micro = b / accumFreq;
        INDArray[] imageFeatures = new INDArray[accumFreq];
        INDArray[] textFeatures = new INDArray[accumFreq];
        // Each micro-batch's temporaries live in the step arena; only the features leave it (detached copies).
        for (int k = 0; k < accumFreq; k++) {
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                model.seedRandomness(seed, k * micro);
                imageFeatures[k] = model.encodeImage(rows(batch.images(), k, micro)).detach();
                textFeatures[k] = model.encodeText(rows(batch.tokens(), k, micro)).detach();
            }
        }
        ClipModel.FeatureLoss r = model.loss(Nd4j.concat(0, imageFeatures), Nd4j.concat(0, textFeatures));
        for (int k = 0; k < accumFreq; k++) {
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                model.seedRandomness(seed, k * micro);
                model.encodeImage(rows(batch.images(), k, micro));
                model.backwardImage(rows(r.gradImageFeatures(), k, micro));
                model.encodeText(rows(batch.tokens(), k, micro));
                model.backwardText(rows(r.gradTextFeatures(), k, micro));
            }
        }
        return r.loss();
    }

    /**
     * This rank's part of a step over the global batch: {@code local} holds its rows (rank r holds rows
     * [r n, (r+1) n) of the global batch), split into {@code accumFreq} micro-batches, whose images go through the
     * image tower {@code imageChunk} at a time (0: the whole micro-batch), so that BatchNorm statistics are taken
     * over those slices (ghost batch norm). Leaves the summed gradient of the global loss in every rank's
     * parameters (not zeroed here), summed over ranks the way {@code sum} says, and returns the global loss, the
     * same on every rank. Patch dropout is seeded by {@code seed} and each image's row in the global batch, so it
     * makes the choices a single process would.
     */
    static double run(ClipModel model, Batch local, int accumFreq, int imageChunk, Collective c, long seed, GradientSync.Mode sum) {
        int n = local.size();
        if (n % accumFreq != 0) throw new IllegalArgumentException("batch of " + n + " is not divisible by accum-freq " + accumFreq);
        int micro = n / accumFreq;
        int chunk = imageChunk > 0 ? imageChunk : micro;
        if (micro % chunk != 0) throw new IllegalArgumentException("bn-ghost-batch " + chunk + " does not divide the micro-batch of " + micro);
        if (c.worldSize() == 1 && chunk == micro) return run(model, local, accumFreq, seed);
        int firstRow = c.rank() * n;
        double loss = chunk == micro && accumFreq == 1 ? onePass(model, local, c, seed, firstRow, sum)
                : cached(model, local, accumFreq, chunk, c, seed, firstRow, sum);
        if (c.worldSize() > 1) GradientSync.allReduce(model.parameters().flatGrads(), c, sum);
        return loss;
    }

    /** One micro-batch, no accumulation: the towers keep their activations while the features travel. */
    private static double onePass(ClipModel model, Batch local, Collective c, long seed, int firstRow, GradientSync.Mode sum) {
        model.seedRandomness(seed, firstRow);
        return model.trainStep(local.images(), local.tokens(), (fi, ft) -> loss(model, fi, ft, c, sum)).loss();
    }

    private static double cached(ClipModel model, Batch local, int accumFreq, int chunk, Collective c, long seed, int firstRow,
                                 GradientSync.Mode sum) {
        INDArray[] features = embed(model, local, accumFreq, chunk, seed, firstRow);
        ClipModel.FeatureLoss l = loss(model, features[0], features[1], c, sum);
        backward(model, local, accumFreq, chunk, seed, firstRow, l.gradImageFeatures().detach(), l.gradTextFeatures().detach());
        return l.loss();
    }

    /**
     * The features of a rank's rows (the first is row {@code firstRow} of the global batch), image [n, E] and
     * text [n, E], detached: micro-batch by micro-batch, the images {@code chunk} at a time (BatchNorm statistics
     * per chunk).
     */
    static INDArray[] embed(ClipModel model, Batch local, int accumFreq, int chunk, long seed, int firstRow) {
        int micro = local.size() / accumFreq;
        int chunks = micro / chunk;
        INDArray[] imageFeatures = new INDArray[accumFreq * chunks];
        INDArray[] textFeatures = new INDArray[accumFreq];
        for (int k = 0; k < accumFreq; k++) {
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                for (int j = 0; j < chunks; j++) {
                    model.seedRandomness(seed, firstRow + (k * chunks + j) * chunk);
                    imageFeatures[k * chunks + j] = model.encodeImage(rows(local.images(), k * chunks + j, chunk)).detach();
                }
                textFeatures[k] = model.encodeText(rows(local.tokens(), k, micro)).detach();
            }
        }
        return new INDArray[]{Nd4j.concat(0, imageFeatures), Nd4j.concat(0, textFeatures)};
    }

    /**
     * Backpropagates a rank's rows: recomputes each micro-batch's forward pass as {@link #embed} did and sends its
     * rows of the feature gradients (detached, [n, E]) through the towers, accumulating into the parameters.
     */
    static void backward(ClipModel model, Batch local, int accumFreq, int chunk, long seed, int firstRow, INDArray gradImage,
                         INDArray gradText) {
        int micro = local.size() / accumFreq;
        int chunks = micro / chunk;
        for (int k = 0; k < accumFreq; k++) {
            try (MemoryWorkspace ws = model.openStepWorkspace()) {
                for (int j = 0; j < chunks; j++) {
                    model.seedRandomness(seed, firstRow + (k * chunks + j) * chunk);
                    model.encodeImage(rows(local.images(), k * chunks + j, chunk));
                    model.backwardImage(rows(gradImage, k * chunks + j, chunk));
                }
                model.encodeText(rows(local.tokens(), k, micro));
                model.backwardText(rows(gradText, k, micro));
            }
        }
    }

    /**
     * The loss and this rank's feature gradients; the logit-scale gradient (this rank's share) goes into the
     * parameter. In a world of one, the whole batch's loss.
     */
    private static ClipModel.FeatureLoss loss(ClipModel model, INDArray localImage, INDArray localText, Collective c, GradientSync.Mode sum) {
        if (c.worldSize() == 1) {
            return model.loss(localImage, localText);
        }
        if (model.logitBias() != null) throw new IllegalStateException("the SigLIP loss is not distributed over ranks yet");
        int n = (int) localImage.rows();
        INDArray allImage = gather(localImage, c), allText = gather(localText, c);
        ContrastiveLoss.Shard shard = ContrastiveLoss.shard(allImage, allText, c.rank() * n, n, model.logitScale().value().getDouble(0));
        int g = n * c.worldSize();
        double[] rowLse = new double[g], colLse = new double[g];
        c.allGather(shard.rowLogSumExps(), rowLse);
        c.allGather(shard.columnLogSumExps(), colLse);
        ContrastiveLoss.Result r = shard.finish(rowLse, colLse);
        if (model.logitScale().trainable()) model.logitScale().grad().addi(r.gradLogitScale());
        return new ClipModel.FeatureLoss(sumOverRanks(r.loss(), c, sum), r.gradImageFeatures(), r.gradTextFeatures());
    }

    /** The sum of every rank's {@code value}, the way {@code sum} adds gradients. */
    private static double sumOverRanks(double value, Collective c, GradientSync.Mode sum) {
        double[] total = {value};
        sum.sum(total, c);
        return total[0];
    }

    /** Every rank's [n, E] features stacked in rank order: [world n, E]. */
    private static INDArray gather(INDArray local, Collective c) {
        long rows = local.rows() * c.worldSize(), cols = local.columns();
        if (local.dataType() == DataType.DOUBLE) {
            double[] out = new double[(int) (rows * cols)];
            c.allGather(local.dup('c').data().asDouble(), out);
            return Nd4j.create(out, new long[]{rows, cols}, 'c');
        }
        float[] out = new float[(int) (rows * cols)];
        c.allGather(local.dup('c').data().asFloat(), out);
        return Nd4j.create(out, new long[]{rows, cols}, 'c');
    }

    /** Rows [k*micro, (k+1)*micro) of {@code a} as a contiguous copy. */
    static INDArray rows(INDArray a, int k, int micro) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        idx[0] = NDArrayIndex.interval((long) k * micro, (long) (k + 1) * micro);
        for (int i = 1; i < idx.length; i++) idx[i] = NDArrayIndex.all();
        return a.get(idx).dup('c');
    }
}
