package dev.jclip.cli.commands;

import dev.jclip.cli.ClipCommand;
import picocli.CommandLine.Mixin;

/**
 * An {@code clip eval} command: a checkpoint, the shared evaluation options and images. The model is loaded by
 * an {@link EncoderLoader}, the real one unless a test swaps in another ({@link #withLoader}).
 */
abstract class EvalCommand extends ClipCommand {
    @Mixin
    CheckpointOption checkpoint;

    @Mixin
    EvalOptions eval;

    @Mixin
    ImageOptions images;

    EncoderLoader loader = EncoderLoader.MODEL;

    /** This command with another model loader (tests). */
    public EvalCommand withLoader(EncoderLoader loader) {
        this.loader = loader;
        return this;
    }
}
