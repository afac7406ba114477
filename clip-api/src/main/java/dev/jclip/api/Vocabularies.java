package dev.jclip.api;

import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.data.text.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The vocabulary that goes with a checkpoint: the one stored in it (safetensors metadata
 * {@value ClipTokenizer#METADATA_KEY}, written by the Trainer), else a {@value #RUN_VOCAB} beside it or in the
 * run folder above, else OpenAI's for a 49,408-token text tower, else none.
 */
public final class Vocabularies {
    static final String RUN_VOCAB = "vocab.txt.gz";
    static final int OPENAI_VOCAB_SIZE = 49408;

    private Vocabularies() {
    }

    static ClipTokenizer forCheckpoint(Path checkpoint, int vocabSize) {
        ClipTokenizer tok = stored(checkpoint);
        if (tok == null) {
            Path dir = checkpoint.toAbsolutePath().getParent();
            for (int up = 0; up < 2 && dir != null && tok == null; up++, dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve(RUN_VOCAB))) tok = ClipTokenizer.load(dir.resolve(RUN_VOCAB));
            }
        }
        if (tok == null) return vocabSize == OPENAI_VOCAB_SIZE ? ClipTokenizer.openai() : null;
        if (tok.vocabSize() > vocabSize) {
            throw new IllegalArgumentException(checkpoint + ": its vocabulary has " + tok.vocabSize()
                    + " tokens but the text tower embeds only " + vocabSize);
        }
        return tok;
    }

    /** The vocabulary stored in a safetensors checkpoint's metadata, or null (other formats carry none). */
    public static ClipTokenizer stored(Path checkpoint) {
        if (Checkpoints.detect(checkpoint) != Checkpoints.Format.SAFETENSORS) return null;
        try (SafeTensors.Reader r = SafeTensors.open(checkpoint)) {
            String text = r.metadata().get(ClipTokenizer.METADATA_KEY);
            return text == null ? null : ClipTokenizer.parse(text, checkpoint + " __metadata__." + ClipTokenizer.METADATA_KEY);
        }
    }
}
