package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.ArchitectureInference;
import dev.jclip.core.io.Checkpoints;
import org.nd4j.linalg.api.buffer.DataType;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads a {@link ClipModel} for inference (no gradients, see {@link ClipModel#forInference}) from any checkpoint format that {@link Checkpoints} reads (safetensors, PyTorch zip,
 * open_clip training checkpoints, OpenAI's TorchScript archives, Hugging Face names), recognised by content.
 */
public final class ClipModels {
    private ClipModels() {
    }

    /** The architecture comes from the checkpoint (its metadata, or inferred from the weights' shapes). */
    public static ClipModel load(Path checkpoint) throws NoSuchFileException {
        return load(checkpoint, null);
    }

    /**
     * @param config overrides the stored or inferred architecture (heads cannot always be inferred); a mismatch
     *               with the weights is an error naming the key and both shapes
     */
    public static ClipModel load(Path checkpoint, ClipConfig config) throws NoSuchFileException {
        if (!Files.isRegularFile(checkpoint)) throw new NoSuchFileException(checkpoint.toString(), null, "checkpoint not found");
        ClipConfig cfg = config != null
                ? ArchitectureInference.infer(Checkpoints.readShapes(checkpoint), config)
                : Checkpoints.readConfig(checkpoint);
        return ClipModel.forInference(cfg, Checkpoints.readStateDict(checkpoint, DataType.FLOAT));
    }
}
