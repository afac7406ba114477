package dev.jclip.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One global batch of matching pairs: row i of {@code images} is described by row i of {@code tokens}.
 *
 * @param images float images [B, 3, S, S], normalised as the model expects
 * @param tokens token ids [B, T] (integer type), zero-padded
 */
public record Batch(INDArray images, INDArray tokens) {
    public Batch {
        if (images.rank() != 4) throw new IllegalArgumentException("images must be [B, 3, S, S], got rank " + images.rank());
        if (tokens.rank() != 2) throw new IllegalArgumentException("tokens must be [B, T], got rank " + tokens.rank());
        if (images.size(0) != tokens.size(0)) {
            throw new IllegalArgumentException("batch has " + images.size(0) + " images but " + tokens.size(0) + " captions");
        }
    }

    public int size() {
        return (int) images.size(0);
    }
}
