package dev.jclip.data.text;

/**
 * Turns one caption into a fixed-length row of token ids: start token, ids, end token, zero padding.
 * Implementations are thread-safe: loader workers share one instance.
 */
public interface CaptionTokenizer {
    /**
     * @param truncate when false, a caption longer than the context is an error naming it; when true the
     *                 row is cut and still ends with the end token
     */
    int[] tokenize(String text, int contextLength, boolean truncate);

    /** Every id it produces is below this (the trainer checks it against the model's token embedding). */
    int vocabSize();
}
