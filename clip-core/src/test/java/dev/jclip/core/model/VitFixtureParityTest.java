package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.TorchReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ViT fixture made by PyTorch with OpenAI's model classes: outputs and gradients must agree. */
class VitFixtureParityTest {
    private static TorchReference ref;
    private static Path dir;
    private static ClipConfig config;
    private static Map<String, INDArray> weights;

    @BeforeAll
    static void load() throws Exception {
        ref = TorchReference.load("vit-tiny");
        dir = ref.dir();
        config = ref.config();
        weights = ref.weights();
    }

    @Test
    void configFromMetadataKeepsFourHeads() {
        assertEquals(4, config.vision().resolvedHeads());
        assertEquals(16, config.text().contextLength());
        assertEquals(1000, config.text().vocabSize());
    }

    @Test
    void reproducesReferenceOutputs() {
        ref.assertReproducedBy(ref.model());
    }

    @Test
    void doublePrecisionMatchesFloat64Reference() {
        ClipModel model = ClipModel.create(config, 0, DataType.DOUBLE);
        model.parameters().load(weights, true);
        INDArray images = Fixtures.npy(dir.resolve("images.npy")).castTo(DataType.DOUBLE);
        INDArray tokens = Fixtures.npy(dir.resolve("tokens.npy"));
        ClipModel.Logits logits = model.forward(images, tokens);
        assertTrue(Fixtures.maxAbsDiff(logits.perImage(), Fixtures.npy(dir.resolve("logits_per_image_f64.npy"))) < 1e-9,
                "f64 logits differ by " + Fixtures.maxAbsDiff(logits.perImage(), Fixtures.npy(dir.resolve("logits_per_image_f64.npy"))));
    }

    @Test
    void gradientsMatchPyTorch() throws Exception {
        Map<String, INDArray> expected = Fixtures.safetensors(dir.resolve("grads.safetensors"));
        ClipModel model = ClipModel.fromStateDict(config, weights);
        model.parameters().zeroGrad();
        model.trainStep(Fixtures.npy(dir.resolve("images.npy")), Fixtures.npy(dir.resolve("tokens.npy")));
        assertEquals(expected.size(), model.parameters().parameters().size());
        for (Parameter p : model.parameters()) {
            INDArray want = expected.get(p.name());
            double scale = Math.max(want.castTo(DataType.DOUBLE).norm2Number().doubleValue(), 1e-8);
            double diff = p.grad().castTo(DataType.DOUBLE).sub(want.castTo(DataType.DOUBLE).reshape(p.grad().shape()))
                    .norm2Number().doubleValue();
            assertTrue(diff / scale < 1e-4, p.name() + ": relative gradient error " + diff / scale);
        }
    }
}
