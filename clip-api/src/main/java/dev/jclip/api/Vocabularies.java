package dev.jclip.api;

import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.VocabLocator;

import java.nio.file.Path;

/**
 * The vocabulary that goes with a checkpoint ({@link VocabLocator#forCheckpoint}: the one stored in it, else a
 * {@value VocabLocator#RUN_VOCAB} beside it or in the run folder above, else OpenAI's for a 49,408-token text
 * tower), or none: a model without one still encodes images.
 */
final class Vocabularies {
    static final String RUN_VOCAB = VocabLocator.RUN_VOCAB;

    private Vocabularies() {
    }

    static ClipTokenizer forCheckpoint(Path checkpoint, int vocabSize) {
        return VocabLocator.find(checkpoint, vocabSize);
    }
}
