package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.data.image.PreprocessConfig;

/**
 * Where the trainer gets its batches: one epoch at a time, with a position that can be saved in a checkpoint
 * and restored so a resumed run sees exactly the batches the interrupted one would have seen.
 */
public interface BatchSource extends AutoCloseable {

    /**
     * What every batch holds, for the {@link Trainer} to check against the model before training starts.
     *
     * @param batchSize     pairs per batch (the global batch)
     * @param imageSize     images are {@code [batchSize, 3, imageSize, imageSize]}
     * @param contextLength tokens are {@code [batchSize, contextLength]}
     * @param vocabSize     every token id is below this
     */
    record Shape(int batchSize, int imageSize, int contextLength, int vocabSize) {
    }

    /** The shape of its batches. */
    Shape shape();

    /** Training pairs in one epoch, or -1 when unknown (then the run needs an explicit step count). */
    long samplesPerEpoch();

    /** Positions the source at the start of epoch {@code epoch}, ordered (shuffled) by {@code seed}. */
    void startEpoch(int epoch, long seed);

    /**
     * The next batch of exactly the configured global batch size, or null when the epoch has no full batch left.
     */
    Batch next() throws Exception;

    /** The current position (epoch, seed, offset, ...) as a string the source itself can parse, e.g. JSON. */
    String state();

    /** Returns to a position produced by {@link #state()}; replaces {@link #startEpoch} for the resumed epoch. */
    void restore(String state);

    /**
     * How this source turns image files into its tensors, recorded in checkpoints and the final model so that
     * evaluation sees images the same way; null when the source does not decode images (e.g. tensors in memory).
     */
    default PreprocessConfig preprocessing() {
        return null;
    }

    /**
     * The BPE merges text of the tokenizer that made the token ids, which every checkpoint of the run carries
     * ({@code jclip.vocab}) so that a checkpoint alone encodes text; null when there is none to carry (OpenAI's
     * built-in vocabulary, or ids made without a BPE tokenizer).
     */
    default String vocabulary() {
        return null;
    }

    @Override
    default void close() throws Exception {
    }
}
