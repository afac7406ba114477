package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ClipModel#forInference}: the fixtures' outputs, no gradient state, the given tensors used in place. */
class InferenceModelTest {

    @Test
    void vitReproducesFixtureWithoutGradients() throws Exception {
        checkFixture("vit-tiny");
    }

    @Test
    void resnetReproducesFixtureWithoutGradients() throws Exception {
        checkFixture("rn-tiny");
    }

    private static void checkFixture(String name) throws Exception {
        Path dir = Fixtures.fixture(name);
        ClipConfig config = ClipConfig.parse(Fixtures.metadataConfig(dir.resolve("model.safetensors")), name);
        Map<String, INDArray> weights = Fixtures.safetensors(dir.resolve("model.safetensors"));
        ClipModel model = ClipModel.forInference(config, weights);
        assertFalse(model.isTraining());
        assertNull(model.parameters().flatGrads(), "an inference model has no gradient buffer");
        for (Parameter p : model.parameters()) {
            assertFalse(p.trainable(), p.name());
            assertThrows(IllegalStateException.class, p::grad, p.name());
            // float32 tensors become the parameters themselves: the weights are held once
            assertSame(weights.get(p.name()).data(), p.value().data(), p.name());
        }
        INDArray fi = model.encodeImage(Fixtures.npy(dir.resolve("images.npy")));
        INDArray ft = model.encodeText(Fixtures.npy(dir.resolve("tokens.npy")));
        assertTrue(Fixtures.maxAbsDiff(fi, Fixtures.npy(dir.resolve("image_features.npy"))) < 1e-4);
        assertTrue(Fixtures.maxAbsDiff(ft, Fixtures.npy(dir.resolve("text_features.npy"))) < 1e-4);
    }

    @Test
    void missingAndUnexpectedKeysAreNamed() throws Exception {
        Path file = Fixtures.fixture("vit-tiny").resolve("model.safetensors");
        ClipConfig config = ClipConfig.parse(Fixtures.metadataConfig(file), "vit-tiny");
        Map<String, INDArray> weights = Fixtures.safetensors(file);

        Map<String, INDArray> missing = new LinkedHashMap<>(weights);
        missing.remove("visual.ln_post.bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipModel.forInference(config, missing));
        assertTrue(e.getMessage().contains("visual.ln_post.bias"), e.getMessage());

        Map<String, INDArray> extra = new LinkedHashMap<>(weights);
        extra.put("visual.extra_head.weight", weights.get("visual.proj"));
        e = assertThrows(IllegalArgumentException.class, () -> ClipModel.forInference(config, extra));
        assertTrue(e.getMessage().contains("visual.extra_head.weight"), e.getMessage());

        Map<String, INDArray> wrongShape = new LinkedHashMap<>(weights);
        wrongShape.put("visual.ln_post.bias", org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 3));
        e = assertThrows(IllegalArgumentException.class, () -> ClipModel.forInference(config, wrongShape));
        assertTrue(e.getMessage().contains("visual.ln_post.bias") && e.getMessage().contains("[3]"), e.getMessage());
    }

    @Test
    void inferenceModelRefusesTraining() throws Exception {
        Path file = Fixtures.fixture("vit-tiny").resolve("model.safetensors");
        ClipModel model = ClipModel.forInference(ClipConfig.parse(Fixtures.metadataConfig(file), "vit-tiny"), Fixtures.safetensors(file));
        Parameter first = model.parameters().parameters().iterator().next();
        assertThrows(IllegalStateException.class, () -> first.setTrainable(true));
        assertEquals(model.parameters().count(), ClipModel.fromStateDict(model.config(), Fixtures.safetensors(file)).parameters().count());
    }
}
