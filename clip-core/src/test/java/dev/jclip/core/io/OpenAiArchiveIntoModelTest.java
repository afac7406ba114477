package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        INDArray images = Npy.read(TorchFilesTest.resource("tiny_clip_images.npy"));
        INDArray tokens = Npy.read(TorchFilesTest.resource("tiny_clip_tokens.npy"));
        INDArray fi = model.encodeImage(images);
        INDArray ft = model.encodeText(tokens);
        double di = maxAbsDiff(fi, Npy.read(TorchFilesTest.resource("tiny_clip_image_features.npy")));
        double dt = maxAbsDiff(ft, Npy.read(TorchFilesTest.resource("tiny_clip_text_features.npy")));
        assertTrue(di < 1e-4, "image features differ by " + di);
        assertTrue(dt < 1e-4, "text features differ by " + dt);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        assertEquals(java.util.Arrays.toString(b.shape()), java.util.Arrays.toString(a.shape()));
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
