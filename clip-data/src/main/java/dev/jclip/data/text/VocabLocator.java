package dev.jclip.data.text;

import dev.jclip.core.config.ConfigException;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.core.io.Checkpoints;

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

    /**
     * The tokenizer for a checkpoint whose text tower embeds {@code vocabSize} tokens: {@code explicit} when given,
     * else {@link #find}; an error naming the places looked at when there is none.
     */
    public static ClipTokenizer forCheckpoint(Path checkpoint, Path explicit, int vocabSize) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) throw new ConfigException("vocabulary not found: " + explicit);
            return fitting(ClipTokenizer.load(explicit), explicit.toString(), vocabSize);
        }
        ClipTokenizer found = find(checkpoint, vocabSize);
        if (found == null) {
            throw new ConfigException("no BPE vocabulary found for " + checkpoint + " (looked at its metadata and "
                    + runVocabularies(checkpoint) + "): pass --vocab PATH (OpenAI's " + OPENAI_VOCAB
                    + " or one from 'clip tokenizer train')");
        }
        return found;
    }

    /**
     * The vocabulary that goes with a checkpoint, or null: the one it carries in its metadata
     * ({@value ClipTokenizer#METADATA_KEY}, written by the Trainer), else a {@value #RUN_VOCAB} beside it or in its
     * run folder, else OpenAI's ({@code $JCLIP_VOCAB}, else the one in this jar) for a 49,408-token text tower.
     */
    public static ClipTokenizer find(Path checkpoint, int vocabSize) {
        String carried = Checkpoints.readMetadata(checkpoint).get(ClipTokenizer.METADATA_KEY);
        if (carried != null) {
            String source = checkpoint + " __metadata__." + ClipTokenizer.METADATA_KEY;
            return fitting(ClipTokenizer.parse(carried, source), source, vocabSize);
        }
        for (Path p : runVocabularies(checkpoint)) {
            if (Files.isRegularFile(p)) return fitting(ClipTokenizer.load(p), p.toString(), vocabSize);
        }
        if (vocabSize != OPENAI_VOCAB_SIZE) return null;
        String env = System.getenv("JCLIP_VOCAB");
        if (env != null && Files.isRegularFile(Path.of(env))) return fitting(ClipTokenizer.load(Path.of(env)), env, vocabSize);
        return ClipTokenizer.openai();
    }

    /** {@value #RUN_VOCAB} in the checkpoint's folder and the two above it (a run's checkpoints/ lies one below). */
    private static List<Path> runVocabularies(Path checkpoint) {
        List<Path> places = new ArrayList<>();
        for (Path d = checkpoint.toAbsolutePath().getParent(); d != null && places.size() < 3; d = d.getParent()) {
            places.add(d.resolve(RUN_VOCAB));
        }
        return places;
    }

    /**
     * A smaller vocabulary than the model's is accepted, as training accepts it (a BPE vocabulary trained on a few
     * templated captions runs out of merges long before a preset's size); the unused rows are never looked up.
     */
    private static ClipTokenizer fitting(ClipTokenizer tok, String source, int vocabSize) {
        if (tok.vocabSize() > vocabSize) {
            throw new ConfigException("vocabulary " + source + " has " + tok.vocabSize() + " tokens but the model embeds only "
                    + vocabSize + ": pass the matching --vocab");
        }
        return tok;
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
