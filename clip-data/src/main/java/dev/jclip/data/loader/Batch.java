package dev.jclip.data.loader;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One batch of matching pairs, ready for the model: row i of {@code images} is described by row i of
 * {@code tokens}. The one batch type of jclip: the loader makes it, the trainer and the benchmarks consume it.
 *
 * @param images   float32 [B,3,S,S], normalised as the model expects
 * @param tokens   integer token ids [B,T], zero padded
 * @param keys     sample keys, in batch order (empty for a batch made in memory)
 * @param captions captions, in batch order (empty for a batch made in memory)
 * @param widths   width of each original (decoded) image, or null
 * @param heights  height of each original image, or null
 * @param index    index of this batch within its epoch (-1 for a batch made in memory)
 * @param next     the loader position after this batch: save it to resume with the batch that follows (or null)
 */
public record Batch(INDArray images, INDArray tokens, List<String> keys, List<String> captions,
                    int[] widths, int[] heights, long index, LoaderPosition next) {
    public Batch {
        if (images.rank() != 4) throw new IllegalArgumentException("images must be [B, 3, S, S], got rank " + images.rank());
        if (tokens.rank() != 2) throw new IllegalArgumentException("tokens must be [B, T], got rank " + tokens.rank());
        if (images.size(0) != tokens.size(0)) {
            throw new IllegalArgumentException("batch has " + images.size(0) + " images but " + tokens.size(0) + " captions");
        }
        keys = List.copyOf(keys);
        captions = List.copyOf(captions);
    }

    /** A batch made in memory (synthetic data, tests, benchmarks): no keys, captions, sizes or loader position. */
    public static Batch of(INDArray images, INDArray tokens) {
        return new Batch(images, tokens, List.of(), List.of(), null, null, -1, null);
    }

    /** Number of samples B. */
    public int size() {
        return (int) images.size(0);
    }
}
