package dev.jclip.cli;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads a model for the commands that take {@code --checkpoint} (and optionally {@code --model}). */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * @param modelOverride a preset name or JSON path, or null to use the config stored in (or inferred from) the checkpoint
     */
    public static ClipModel load(Path checkpoint, String modelOverride) {
        try {
            return ClipModels.load(checkpoint, modelOverride == null ? null : ClipConfig.load(modelOverride));
        } catch (NoSuchFileException e) {
            throw new UsageException("checkpoint not found: " + checkpoint);
        }
    }
}
