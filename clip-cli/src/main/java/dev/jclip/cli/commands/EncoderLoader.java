package dev.jclip.cli.commands;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import dev.jclip.data.text.VocabLocator;
import dev.jclip.eval.ImageTextEncoder;
import dev.jclip.eval.ModelEncoder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns {@code --checkpoint PATH [--vocab V]} into an encoder. The eval commands take one in their constructor
 * ({@link #MODEL} by default; tests pass a fake).
 */
@FunctionalInterface
public interface EncoderLoader {
    /** @param vocab the BPE vocabulary, or null to find it beside the checkpoint (or OpenAI's) */
    ImageTextEncoder load(Path checkpoint, Path vocab) throws IOException;

    /** The checkpoint's model with its vocabulary ({@link VocabLocator#forCheckpoint}). */
    EncoderLoader MODEL = (checkpoint, vocab) -> {
        ClipModel model = loadModel(checkpoint, null);
        return new ModelEncoder(model, VocabLocator.forCheckpoint(checkpoint, vocab, model.config().text().vocabSize()),
                ModelEncoder.preprocessing(checkpoint, model.config().vision().imageSize(), null));
    };

    /**
     * A model from any checkpoint format.
     *
     * @param modelOverride a preset name or JSON path, or null for the config stored in (or inferred from) the checkpoint
     */
    static ClipModel loadModel(Path checkpoint, String modelOverride) throws IOException {
        if (!Files.exists(checkpoint)) throw new dev.jclip.cli.UsageException("checkpoint not found: " + checkpoint);
        try {
            return ClipModels.load(checkpoint, modelOverride == null ? null : ClipConfig.load(modelOverride));
        } catch (NoSuchFileException e) {
            throw new dev.jclip.cli.UsageException("checkpoint not found: " + checkpoint);
        }
    }

    /** Identifies a checkpoint in feature-cache keys: its absolute path, size and modification time. */
    static String cacheKey(Path checkpoint) throws IOException {
        Path abs = checkpoint.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) {
            StringBuilder sb = new StringBuilder(abs.toString());
            try (var s = Files.walk(abs)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    sb.append('|').append(abs.relativize(p)).append(':').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis());
                }
            }
            return sb.toString();
        }
        return abs + ":" + Files.size(abs) + ":" + Files.getLastModifiedTime(abs).toMillis();
    }
}
