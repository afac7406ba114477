package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.testing.TorchReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end: a TorchScript archive with OpenAI's module tree and fp16 weights, read without Python, loaded into
 * jclip's model, reproduces the features PyTorch computed from the same weights (make_torch_fixtures.py).
 */
class OpenAiArchiveIntoModelTest {
    @Test
    void torchScriptWeightsReproduceTorchFeatures() throws Exception {
        ClipConfig config = ArchitectureInference.infer(Checkpoints.readShapes(TorchFilesTest.resource("tiny_clip_script.pt")),
                Checkpoints.readMetadataConfig(TorchFilesTest.resource("tiny_clip_script.safetensors")));
        assertEquals(2, config.vision().resolvedHeads());
        Map<String, INDArray> state = Checkpoints.readStateDict(TorchFilesTest.resource("tiny_clip_script.pt"), DataType.FLOAT);
        ClipModel model = ClipModel.fromStateDict(config, state);
        model.setTraining(false);
        TorchReference.assertFeatures(model, Npy.read(TorchFilesTest.resource("tiny_clip_images.npy")),
                Npy.read(TorchFilesTest.resource("tiny_clip_tokens.npy")),
                Npy.read(TorchFilesTest.resource("tiny_clip_image_features.npy")),
                Npy.read(TorchFilesTest.resource("tiny_clip_text_features.npy")));
    }
}
