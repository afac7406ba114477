package dev.jclip.cli.commands;

import dev.jclip.core.model.ClipModel;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint to run, and optionally the architecture to read it as. */
public final class ModelOptions {
    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--model", paramLabel = "NAME|JSON", description = "architecture (default: the checkpoint's own or inferred)") String model;

    Path checkpoint() {
        return checkpoint.required();
    }

    ClipModel load() throws IOException {
        return EncoderLoader.loadModel(checkpoint(), model);
    }
}
