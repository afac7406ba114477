package dev.jclip.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** An image encoder: images [B, 3, S, S] (normalised, NCHW) to features [B, embed_dim] before normalisation. */
public interface ImageTower {
    INDArray forward(INDArray images);

    /**
     * The tower's representation of the images, before the projection into the joint embedding space (what the
     * CLIP paper's linear probes read): a ViT's {@code ln_post} class token [B, width]. A tower whose pooling ends
     * in its projection (the ResNet's attention pool, whose {@code c_proj} maps into the embedding space, as the
     * paper probes it) returns {@link #forward}'s features. Evaluation only: nothing is kept for {@link #backward}
     * beyond what {@link #forward} keeps.
     */
    default INDArray representation(INDArray images) {
        return forward(images);
    }

    /** Whether the tower has {@link #representationWithPatchMean} (a ViT's patch tokens, a ResNet's final feature map). */
    default boolean hasPatchMean() {
        return false;
    }

    /** Whether the tower has {@link #representationOfEachBlock} (a ViT: transformer blocks with a class token). */
    default boolean hasBlockOutputs() {
        return false;
    }

    /**
     * {@link #representation} beside the mean over the image's positions of the tower's last spatial features: a
     * ViT's patch tokens' final states through the same final norm (open_clip's average pooling), [B, 2 width]; a
     * ResNet's final feature map, the attention pool's input (torchvision's average pooling), [B, embed_dim +
     * channels]. More of what the image holds where it is (colour, layout) for a linear probe than the pooled token
     * alone. Evaluation only; towers without it ({@link #hasPatchMean}) throw.
     */
    default INDArray representationWithPatchMean(INDArray images) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no patch mean");
    }

    /**
     * [B, depth * width]: the class token after every transformer block, each through the final norm, concatenated
     * first block first (a multi-layer linear probe's features; the last block's is {@link #representation}).
     * Evaluation only; towers without transformer blocks ({@link #hasBlockOutputs}) throw.
     */
    default INDArray representationOfEachBlock(INDArray images) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no transformer blocks");
    }

    /** Backpropagates d loss / d features of the last forward, accumulating parameter gradients. */
    void backward(INDArray gradFeatures);

    /** Training mode: BatchNorm uses batch statistics, a ViT drops patches (patch dropout); evaluation neither. */
    default void setTraining(boolean training) {
    }

    /**
     * Seeds the random choices of the following forward passes (patch dropout): image i's from (seed, firstRow + i),
     * firstRow being its batch's first row in the global batch. Towers without random choices ignore it.
     */
    default void seedRandomness(long seed, int firstRow) {
    }

    /**
     * Activation checkpointing (open_clip's {@code set_grad_checkpointing}): transformer blocks keep only their
     * inputs and recompute their activations in backward. A ResNet tower ignores it (as open_clip's does).
     */
    default void setGradCheckpointing(boolean enable) {
    }

    /**
     * With {@code frozen}, BatchNorm layers use and keep their running statistics even in training mode
     * (open_clip's {@code freeze_bn_stats} of a locked tower); towers without BatchNorm ignore it.
     */
    default void freezeNormStats(boolean frozen) {
    }
}
