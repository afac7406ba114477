package dev.jclip.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A head that predicts a caption from the image features, trained instead of the contrastive loss
 * ({@link dev.jclip.core.config.Objective}): {@link BagOfWordsHead} or {@link CaptionLmHead}. Token conventions are
 * the CLIP tokenizer's: start of text {@code vocab - 2}, end of text {@code vocab - 1} (the largest id), zero
 * padding after it; a caption's words are the tokens strictly between the start and its first end token.
 */
public interface CaptionHead {
    /**
     * The loss over a batch of images' features [B, E] and their captions [B, T]; adds the head's (and, for the
     * language model, the text transformer's) parameter gradients and returns d loss / d image features.
     */
    Result lossAndBackward(INDArray imageFeatures, INDArray tokens);

    /**
     * Zero-shot scores [B_img, C]: how likely each prompt [C, T] is under the head given each image (larger is
     * more likely); no gradients.
     */
    INDArray scores(INDArray imageFeatures, INDArray prompts);

    /** A batch's loss and its gradient with respect to the image features. */
    record Result(double loss, INDArray gradImageFeatures) {
    }

    /** Position of the first end-of-text token in row {@code from} of {@code ids} (length {@code len}), else len - 1. */
    static int endPosition(long[] ids, int from, int len, long endToken) {
        for (int t = 1; t < len; t++) if (ids[from + t] == endToken) return t;
        return len - 1;
    }
}
