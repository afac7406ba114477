package dev.jclip.cli.commands;

import dev.jclip.data.text.CaptionTokenizer;
import java.util.Locale;

/**
 * A stand-in tokenizer for commands that only need token counts: one id per white-space separated, lower-cased
 * word (hashed into CLIP's id range), between CLIP's start (49406) and end (49407) ids, zero padded. Thread-safe.
 */
public final class WhitespaceTokenizer implements CaptionTokenizer {
    static final int START = 49406;
    static final int END = 49407;

    @Override
    public int[] tokenize(String text, int contextLength, boolean truncate) {
        String t = text.strip();
        String[] words = t.isEmpty() ? new String[0] : t.toLowerCase(Locale.ROOT).split("\\s+");
        if (!truncate && words.length + 2 > contextLength) {
            throw new IllegalArgumentException("caption of " + words.length + " words exceeds context " + contextLength + ": " + text);
        }
        int[] out = new int[contextLength];
        int n = Math.min(words.length, contextLength - 2);
        out[0] = START;
        for (int i = 0; i < n; i++) out[i + 1] = 1 + Math.floorMod(words[i].hashCode(), START - 1);
        out[n + 1] = END;
        return out;
    }

    @Override
    public int vocabSize() {
        return END + 1;
    }
}
