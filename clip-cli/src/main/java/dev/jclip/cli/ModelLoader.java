package dev.jclip.cli;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.model.ClipModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Loads a model for the commands that take {@code --checkpoint} (and optionally {@code --model}). */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * @param modelOverride a preset name or JSON path, or null to use the config stored in the checkpoint
     */
    public static ClipModel load(Path checkpoint, String modelOverride) {
        if (!Files.isRegularFile(checkpoint)) throw new UsageException("checkpoint not found: " + checkpoint);
        try (SafeTensors.Reader reader = SafeTensors.open(checkpoint)) {
            ClipConfig cfg;
            if (modelOverride != null) {
                cfg = ClipConfig.load(modelOverride);
            } else {
                String json = reader.metadata().get(SafeTensors.CONFIG_KEY);
                if (json == null) {
                    throw new UsageException(checkpoint + " carries no model config in its metadata: pass --model");
                }
                cfg = ClipConfig.parse(json, checkpoint + " metadata");
            }
            Map<String, INDArray> state = reader.readAll(DataType.FLOAT);
            ClipModel model = ClipModel.fromStateDict(cfg, state);
            model.setTraining(false);
            return model;
        }
    }
}
