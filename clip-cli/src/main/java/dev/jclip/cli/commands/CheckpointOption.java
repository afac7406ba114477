package dev.jclip.cli.commands;

import dev.jclip.api.PretrainedModel;
import dev.jclip.api.WeightsCache;
import dev.jclip.cli.UsageException;
import dev.jclip.core.config.ClipConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code --checkpoint PATH} or {@code --pretrained NAME:TAG}, for every command that loads a model's weights. A
 * pretrained name is fetched into the cache (once, SHA-256 checked) and read with the registry's architecture,
 * which the weights alone do not fix (OpenAI's releases use QuickGELU).
 */
public final class CheckpointOption {
    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "model weights: safetensors, PyTorch .pt, OpenAI TorchScript or Hugging Face, recognised by content")
    Path path;

    @Option(names = "--pretrained", paramLabel = "NAME:TAG", converter = PretrainedName.Converter.class,
            description = "registered weights instead of --checkpoint, e.g. ViT-B-32:openai (see 'clip pretrained list')")
    PretrainedName pretrained;

    @Mixin
    Downloads downloads;

    private PretrainedModel registered;
    private Path fetched;

    /** True when either option was given. */
    boolean given() {
        return path != null || pretrained != null;
    }

    /** The weights file, which this command needs: {@code --checkpoint}, or {@code --pretrained}'s cached download. */
    Path required() throws IOException {
        if (path != null && pretrained != null) throw new UsageException("give --checkpoint or --pretrained, not both");
        if (pretrained != null) return fetch();
        if (path == null) throw new UsageException("missing required option --checkpoint (or --pretrained NAME:TAG)");
        return path;
    }

    /**
     * The model's names in CLIP_benchmark's terms: {@code --pretrained NAME:TAG} gives model NAME and pretrained
     * TAG (open_clip's pair); a {@code --checkpoint} gives model "jclip" and the checkpoint's path.
     */
    String[] benchmarkModel() {
        if (pretrained != null) return new String[] {pretrained.name(), pretrained.tag()};
        return new String[] {"jclip", path.toString()};
    }

    /** The registry's architecture for {@code --pretrained}; null for {@code --checkpoint} (the file's own). */
    ClipConfig architecture() throws IOException {
        if (pretrained == null) return null;
        fetch();
        return registered.config();
    }

    private Path fetch() throws IOException {
        if (fetched != null) return fetched;
        var options = downloads.options();
        try {
            registered = options.registry().get(pretrained.name(), pretrained.tag());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        fetched = new WeightsCache(options).fetch(registered);
        return fetched;
    }
}
