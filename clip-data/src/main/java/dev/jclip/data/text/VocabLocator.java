package dev.jclip.data.text;

import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.AtomicFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Finds the BPE vocabulary that goes with a model. For training: the given merges file, else OpenAI's for a
 * model that embeds its 49,408 tokens. For a checkpoint: the given file, else a {@code vocab.txt.gz} beside the
 * checkpoint or in its run folder (training keeps one there, {@link #keepWithRun}), else OpenAI's
 * ({@code $JCLIP_VOCAB}, else the copy inside clip-data's jar).
 *
 * <p>A vocabulary smaller than the model's embedding is accepted (a BPE vocabulary trained on a few templated
 * captions runs out of merges long before a preset's size): the unused rows are never looked up.
 */
public final class VocabLocator {
    public static final String RUN_VOCAB = "vocab.txt.gz";
    public static final String OPENAI_VOCAB = "bpe_simple_vocab_16e6.txt.gz";
    public static final int OPENAI_VOCAB_SIZE = 49408;

    private VocabLocator() {
    }

    /**
     * The tokenizer for training a model whose text tower embeds {@code modelVocab} tokens: {@code vocab}, or
     * OpenAI's when null. Checks that it exists, fits the embedding and ends with its largest id (the text tower
     * pools at the argmax). Errors name the option {@code vocab}.
     */
    public static ClipTokenizer forTraining(Path vocab, int modelVocab, String modelName) {
        if (vocab == null) {
            if (modelVocab != OPENAI_VOCAB_SIZE) {
                throw new ConfigException("vocab is required: model '" + modelName + "' embeds " + modelVocab
                        + " tokens, not OpenAI's 49,408 (pass the merges file written by 'clip tokenizer train')");
            }
            return ClipTokenizer.openai();
        }
        if (!Files.isRegularFile(vocab)) throw new ConfigException("vocab: file not found: " + vocab);
        ClipTokenizer tokenizer = ClipTokenizer.load(vocab);
        if (tokenizer.vocabSize() > modelVocab) {
            throw new ConfigException("vocab " + vocab + " has " + tokenizer.vocabSize() + " tokens but model '"
                    + modelName + "' embeds only " + modelVocab);
        }
        if (tokenizer.endToken() != tokenizer.vocabSize() - 1) {
            throw new ConfigException("vocab " + vocab + ": the end token must be the largest id (the text tower"
                    + " pools at the argmax), got " + tokenizer.endToken() + " of " + tokenizer.vocabSize());
        }
        return tokenizer;
    }

    /** The tokenizer for a checkpoint whose text tower embeds {@code vocabSize} tokens. */
    public static ClipTokenizer forCheckpoint(Path checkpoint, Path explicit, int vocabSize) {
        Path vocab = locate(checkpoint, explicit, vocabSize);
        if (vocab == null) return ClipTokenizer.openai();
        ClipTokenizer tok = ClipTokenizer.load(vocab);
        if (tok.vocabSize() > vocabSize) {
            throw new ConfigException("vocabulary " + vocab + " has " + tok.vocabSize() + " tokens but the model embeds only "
                    + vocabSize + ": pass the matching --vocab");
        }
        return tok;
    }

    /** The vocabulary file to use for a checkpoint, or null for OpenAI's built-in one. */
    static Path locate(Path checkpoint, Path explicit, int vocabSize) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) throw new ConfigException("vocabulary not found: " + explicit);
            return explicit;
        }
        List<Path> tried = new ArrayList<>();
        Path dir = checkpoint.toAbsolutePath().getParent();
        for (Path d = dir; d != null && tried.size() < 3; d = d.getParent()) {
            Path p = d.resolve(RUN_VOCAB);
            tried.add(p);
            if (Files.isRegularFile(p)) return p;
        }
        if (vocabSize == OPENAI_VOCAB_SIZE) {
            String env = System.getenv("JCLIP_VOCAB");
            if (env != null && Files.isRegularFile(Path.of(env))) return Path.of(env);
            return null;
        }
        throw new ConfigException("no BPE vocabulary found for " + checkpoint + " (looked at " + tried
                + "): pass --vocab PATH (OpenAI's " + OPENAI_VOCAB + " or one from 'clip tokenizer train')");
    }

    /**
     * Keeps a run's vocabulary as {@code vocab.txt.gz} in its folder, where {@link #forCheckpoint} finds it
     * (gzipped when it is not, written through {@link AtomicFile}).
     */
    public static void keepWithRun(Path vocab, Path runDir) throws IOException {
        Path target = runDir.resolve(RUN_VOCAB);
        if (Files.isRegularFile(target) && Files.isSameFile(vocab, target)) return;
        if (vocab.getFileName().toString().endsWith(".gz")) {
            AtomicFile.copy(vocab, target);
        } else {
            AtomicFile.write(target, tmp -> {
                try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp))) {
                    Files.copy(vocab, out);
                }
            });
        }
    }
}
