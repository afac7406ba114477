package dev.jclip.cli.commands;

import dev.jclip.eval.ImageTextEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * How the eval commands turn {@code --checkpoint PATH} into an {@link ImageTextEncoder}. The model module sets
 * {@link #hook} (e.g. in Main, before dispatch); until then every command that needs a model fails with a clear
 * message, and only {@code clip eval linear-probe --pixels} works.
 */
public final class EncoderLoader {
    /** Loads a checkpoint; null until the model is wired in. */
    public static volatile Function<Path, ImageTextEncoder> hook;

    /** Loads a checkpoint with an explicit BPE vocabulary ({@code --vocab PATH}); null when not wired in. */
    public static volatile BiFunction<Path, Path, ImageTextEncoder> vocabHook;

    private EncoderLoader() {
    }

    /** Loads {@code checkpoint}, with {@code vocab} when it is not null. */
    static ImageTextEncoder load(Path checkpoint, Path vocab) {
        if (vocab != null) {
            BiFunction<Path, Path, ImageTextEncoder> v = vocabHook;
            if (v == null) {
                throw new IllegalStateException("this build cannot take --vocab (dev.jclip.cli.commands.EncoderLoader.vocabHook is not set)");
            }
            if (!Files.isRegularFile(vocab)) throw new IllegalArgumentException("vocabulary " + vocab + " does not exist");
            if (!Files.exists(checkpoint)) throw new IllegalArgumentException("checkpoint " + checkpoint + " does not exist");
            return v.apply(checkpoint, vocab);
        }
        Function<Path, ImageTextEncoder> h = hook;
        if (h == null) {
            throw new IllegalStateException("this build cannot load model checkpoints yet (dev.jclip.cli.commands.EncoderLoader.hook "
                    + "is not set); only 'clip eval linear-probe --pixels' works without a model");
        }
        if (!Files.exists(checkpoint)) throw new IllegalArgumentException("checkpoint " + checkpoint + " does not exist");
        return h.apply(checkpoint);
    }

    /** Identifies a checkpoint in feature-cache keys: its absolute path, size and modification time. */
    static String cacheKey(Path checkpoint) throws java.io.IOException {
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
