package dev.jclip.data.loader;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch, ready for the model.
 *
 * @param images   float32 [B,3,S,S], normalised with CLIP's mean and std
 * @param tokens   int32 [B,T] token ids (zero padded)
 * @param keys     sample keys, in batch order
 * @param captions captions, in batch order
 * @param widths   width of each original (decoded) image
 * @param heights  height of each original image
 * @param index    index of this batch within its epoch
 * @param next     the position after this batch: save it to resume with the batch that follows
 */
public record Batch(INDArray images, INDArray tokens, List<String> keys, List<String> captions,
                    int[] widths, int[] heights, long index, LoaderPosition next) {
    /** Number of samples B. */
    public int size() {
        return keys.size();
    }
}
