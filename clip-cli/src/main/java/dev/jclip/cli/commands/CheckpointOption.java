package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --checkpoint PATH}, for every command that loads a model's weights. */
public final class CheckpointOption {
    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "model weights: safetensors, PyTorch .pt, OpenAI TorchScript or Hugging Face, recognised by content")
    Path path;

    /** The path, which this command needs. */
    Path required() {
        if (path == null) throw new UsageException("missing required option --checkpoint");
        return path;
    }
}
