package dev.jclip.core.model;

import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.TorchReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ViT fixture made by PyTorch with OpenAI's model classes: outputs and gradients must agree. */
class VitFixtureParityTest {
    private static TorchReference ref;

    @BeforeAll
    static void load() throws Exception {
        ref = TorchReference.load("vit-tiny");
    }

    @Test
    void configFromMetadataKeepsFourHeads() {
        assertEquals(4, ref.config().vision().resolvedHeads());
        assertEquals(16, ref.config().text().contextLength());
        assertEquals(1000, ref.config().text().vocabSize());
    }

    @Test
    void reproducesReferenceOutputs() {
        ref.assertReproducedBy(ref.model());
    }

    @Test
    void doublePrecisionMatchesFloat64Reference() {
        ClipModel model = ClipModel.create(ref.config(), 0, DataType.DOUBLE);
        model.parameters().load(ref.weights(), true);
        INDArray images = ref.npy("images").castTo(DataType.DOUBLE);
        INDArray tokens = ref.npy("tokens");
        ClipModel.Logits logits = model.forward(images, tokens);
        assertTrue(Fixtures.maxAbsDiff(logits.perImage(), ref.npy("logits_per_image_f64")) < 1e-9,
                "f64 logits differ by " + Fixtures.maxAbsDiff(logits.perImage(), ref.npy("logits_per_image_f64")));
    }

    @Test
    void gradientsMatchPyTorch() throws Exception {
        Map<String, INDArray> expected = Fixtures.safetensors(ref.dir().resolve("grads.safetensors"));
        ClipModel model = ref.model();
        model.parameters().zeroGrad();
        model.trainStep(ref.npy("images"), ref.npy("tokens"));
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
