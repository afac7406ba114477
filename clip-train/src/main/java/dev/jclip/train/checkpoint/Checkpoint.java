package dev.jclip.train.checkpoint;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The content of one training checkpoint.
 *
 * @param model           the model's state dict (parameters and buffers, OpenAI key names)
 * @param optimizer       the optimiser's tensors (e.g. {@code exp_avg.NAME}, {@code exp_avg_sq.NAME})
 * @param state           counters, RNG and data-loader position
 * @param trainConfigJson the run's full training configuration as JSON
 * @param modelConfigJson the model architecture as open_clip JSON
 * @param preprocessJson  the image pipeline's settings ({@code PreprocessConfig}); null when the data had none
 */
public record Checkpoint(Map<String, INDArray> model, Map<String, INDArray> optimizer, TrainingState state,
                         String trainConfigJson, String modelConfigJson, String preprocessJson) {
}
