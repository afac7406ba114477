package dev.jclip.cli;

import dev.jclip.data.text.ClipTokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the BPE vocabulary that goes with a checkpoint: an explicit path, else the one stored in the checkpoint's
 * metadata ({@code jclip.vocab}), else a {@code vocab.txt.gz} beside the
 * checkpoint or in its run folder (training writes one there), else OpenAI's merges file for a 49,408-token model
 * ({@code $JCLIP_VOCAB}, else the copy inside clip-data's jar).
 */
public final class VocabLocator {
    public static final String RUN_VOCAB = "vocab.txt.gz";
    public static final String OPENAI_VOCAB = "bpe_simple_vocab_16e6.txt.gz";

    private VocabLocator() {
    }

    /**
     * The tokenizer for a checkpoint whose text tower embeds {@code vocabSize} tokens. A smaller vocabulary is
     * accepted, as {@code clip train} accepts it (a BPE vocabulary trained on a few templated captions runs out of
     * merges long before a preset's size); the unused embedding rows are never looked up.
     */
    public static ClipTokenizer tokenizerFor(Path checkpoint, Path explicit, int vocabSize) {
        // the vocabulary a checkpoint carries in its metadata (the Trainer writes it) comes first
        ClipTokenizer carried = explicit == null && Files.isRegularFile(checkpoint) ? dev.jclip.api.Vocabularies.stored(checkpoint) : null;
        Path vocab = carried != null ? null : locate(checkpoint, explicit, vocabSize);
        if (carried == null && vocab == null) return ClipTokenizer.openai();
        ClipTokenizer tok = carried != null ? carried : ClipTokenizer.load(vocab);
        if (tok.vocabSize() > vocabSize) {
            throw new UsageException("vocabulary " + (carried != null ? checkpoint + " (metadata)" : vocab) + " has " + tok.vocabSize() + " tokens but the model embeds only "
                    + vocabSize + ": pass the matching --vocab");
        }
        return tok;
    }

    /** The vocabulary file to use, or null for OpenAI's built-in one. */
    static Path locate(Path checkpoint, Path explicit, int vocabSize) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) throw new UsageException("vocabulary not found: " + explicit);
            return explicit;
        }
        List<Path> tried = new ArrayList<>();
        Path dir = checkpoint.toAbsolutePath().getParent();
        for (Path d = dir; d != null && tried.size() < 3; d = d.getParent()) {
            Path p = d.resolve(RUN_VOCAB);
            tried.add(p);
            if (Files.isRegularFile(p)) return p;
        }
        if (vocabSize == 49408) {
            String env = System.getenv("JCLIP_VOCAB");
            if (env != null && Files.isRegularFile(Path.of(env))) return Path.of(env);
            return null;
        }
        throw new UsageException("no BPE vocabulary found for " + checkpoint + " (looked at " + tried
                + "): pass --vocab PATH (OpenAI's " + OPENAI_VOCAB + " or one from 'clip tokenizer train')");
    }
}
