package dev.jclip.data.loader;

import dev.jclip.data.text.CaptionTokenizer;

/** Test tokenizer: start 1, one id per white-space separated word (hashed into 3..999), end 2, zero padding. */
public final class WordTokenizer implements CaptionTokenizer {
    @Override
    public int[] tokenize(String text, int contextLength, boolean truncate) {
        String[] words = text.strip().split("\\s+");
        int[] out = new int[contextLength];
        out[0] = 1;
        int n = Math.min(words.length, contextLength - 2);
        if (!truncate && words.length > contextLength - 2) throw new IllegalArgumentException("caption too long: " + text);
        for (int i = 0; i < n; i++) out[i + 1] = 3 + Math.floorMod(words[i].hashCode(), 997);
        out[n + 1] = 2;
        return out;
    }

    @Override
    public int vocabSize() {
        return 1000;
    }
}
