package dev.jclip.cli.commands;

import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.VocabLocator;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --vocab}: the tokenizer of a checkpoint, given or found ({@link VocabLocator#forCheckpoint}). */
public final class CheckpointVocabOption {
    @Option(names = "--vocab", paramLabel = "PATH", description = "BPE vocabulary (default: vocab.txt.gz beside the checkpoint, else OpenAI's)")
    Path path;

    /** The vocabulary asked for, or null to find the checkpoint's. */
    Path path() {
        return path;
    }

    ClipTokenizer tokenizer(Path checkpoint, int vocabSize) {
        return VocabLocator.forCheckpoint(checkpoint, path, vocabSize);
    }
}
