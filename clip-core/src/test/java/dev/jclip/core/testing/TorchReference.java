package dev.jclip.core.testing;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fixture folder written by PyTorch with OpenAI's model classes: the config and weights ({@code model.safetensors}),
 * the inputs and the reference outputs ({@code images.npy}, {@code image_features.npy}, ...).
 */
public record TorchReference(Path dir, ClipConfig config, Map<String, INDArray> weights) {
    /** The fixture {@code testdata/fixtures/NAME}; unchecked, so that a test class can hold it in a static final field. */
    public static TorchReference load(String fixture) {
        Path dir = Fixtures.fixture(fixture);
        Path model = dir.resolve("model.safetensors");
        try {
            return new TorchReference(dir, ClipConfig.parse(Fixtures.metadataConfig(model), fixture), Fixtures.safetensors(model));
        } catch (IOException e) {
            throw new UncheckedIOException(fixture + ": " + e.getMessage(), e);
        }
    }

    /** {@code name.npy} of the fixture. */
    public INDArray npy(String name) {
        return Fixtures.npy(dir.resolve(name + ".npy"));
    }

    /** A float32 model holding the fixture's weights. */
    public ClipModel model() {
        return ClipModel.fromStateDict(config, weights);
    }

    /** {@code model} in evaluation mode reproduces PyTorch's features, both logit matrices and the loss to 1e-4. */
    public void assertReproducedBy(ClipModel model) {
        model.setTraining(false);
        INDArray[] features = assertFeatures(model, npy("images"), npy("tokens"), npy("image_features"), npy("text_features"));
        ClipModel.Logits logits = model.forward(npy("images"), npy("tokens"));
        assertTrue(Fixtures.maxAbsDiff(logits.perImage(), npy("logits_per_image")) < 1e-4);
        assertTrue(Fixtures.maxAbsDiff(logits.perText(), npy("logits_per_text")) < 1e-4);
        double loss = ContrastiveLoss.compute(features[0], features[1], model.logitScale().value().getDouble(0)).loss();
        assertEquals(npy("loss").getDouble(0), loss, 1e-4);
    }

    /** The image and text features of {@code model} match the expected ones to 1e-4; returns them. */
    public static INDArray[] assertFeatures(ClipModel model, INDArray images, INDArray tokens, INDArray expectedImage,
                                            INDArray expectedText) {
        INDArray fi = model.encodeImage(images);
        INDArray ft = model.encodeText(tokens);
        assertEquals(java.util.Arrays.toString(expectedImage.shape()), java.util.Arrays.toString(fi.shape()));
        double di = Fixtures.maxAbsDiff(fi, expectedImage);
        double dt = Fixtures.maxAbsDiff(ft, expectedText);
        assertTrue(di < 1e-4, "image features differ by " + di);
        assertTrue(dt < 1e-4, "text features differ by " + dt);
        return new INDArray[]{fi, ft};
    }
}
