package dev.jclip.cli;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a model for the commands that take {@code --checkpoint} (and optionally {@code --model}). */
public final class ModelLoader {
    /** Architectures of files that {@code --pretrained} resolved: the registry's, not the one inferred from shapes. */
    private static final java.util.Map<Path, ClipConfig> PRETRAINED = new java.util.concurrent.ConcurrentHashMap<>();

    private ModelLoader() {
    }

    /** Loads {@code file} with {@code config} (e.g. the registry's activation) unless {@code --model} overrides it. */
    static void registerArchitecture(Path file, ClipConfig config) {
        PRETRAINED.put(file.toAbsolutePath(), config);
    }

    /**
     * @param modelOverride a preset name or JSON path, or null to use the config stored in (or inferred from) the checkpoint
     */
    public static ClipModel load(Path checkpoint, String modelOverride) {
        try {
            ClipConfig config = modelOverride != null ? ClipConfig.load(modelOverride) : PRETRAINED.get(checkpoint.toAbsolutePath());
            return ClipModels.load(checkpoint, config);
        } catch (NoSuchFileException e) {
            throw new UsageException("checkpoint not found: " + checkpoint);
        }
    }
}
