package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.nn.StepWorkspace;
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

    /** Rows [k*micro, (k+1)*micro) of {@code a} as a contiguous copy. */
    static INDArray rows(INDArray a, int k, int micro) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        idx[0] = NDArrayIndex.interval((long) k * micro, (long) (k + 1) * micro);
        for (int i = 1; i < idx.length; i++) idx[i] = NDArrayIndex.all();
        return a.get(idx).dup('c');
    }
}
