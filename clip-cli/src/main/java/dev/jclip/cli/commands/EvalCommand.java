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

    private EncoderLoader loader;

    /** This command with another model loader (tests). */
    public EvalCommand withLoader(EncoderLoader loader) {
        this.loader = loader;
        return this;
    }

    /** The result's names in CLIP_benchmark's files, for a model given by {@code --checkpoint} or {@code --pretrained}. */
    dev.jclip.eval.report.ClipBenchmarkJson.Names benchmarkNames(String dataset) {
        String[] m = checkpoint.benchmarkModel();
        return new dev.jclip.eval.report.ClipBenchmarkJson.Names(dataset, m[0], m[1]);
    }

    /** The model loader: the real one, reading {@code --pretrained} weights with the registry's architecture. */
    EncoderLoader loader() throws java.io.IOException {
        return loader != null ? loader : EncoderLoader.model(checkpoint.architecture());
    }
}
