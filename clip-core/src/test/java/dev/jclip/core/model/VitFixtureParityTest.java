package dev.jclip.core.model;

import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.TorchReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ViT fixture made by PyTorch with OpenAI's model classes: outputs and gradients must agree. */
class VitFixtureParityTest {
    private static final TorchReference REF = TorchReference.load("vit-tiny");

    @Test
    void configFromMetadataKeepsFourHeads() {
        assertEquals(4, REF.config().vision().resolvedHeads());
        assertEquals(16, REF.config().text().contextLength());
        assertEquals(1000, REF.config().text().vocabSize());
    }

    @Test
    void reproducesReferenceOutputs() {
        REF.assertReproducedBy(REF.model());
    }

    @Test
    void doublePrecisionMatchesFloat64Reference() {
        ClipModel model = ClipModel.create(REF.config(), 0, DataType.DOUBLE);
        model.parameters().load(REF.weights(), true);
        INDArray images = REF.npy("images").castTo(DataType.DOUBLE);
        INDArray tokens = REF.npy("tokens");
        ClipModel.Logits logits = model.forward(images, tokens);
        assertTrue(Fixtures.maxAbsDiff(logits.perImage(), REF.npy("logits_per_image_f64")) < 1e-9,
                "f64 logits differ by " + Fixtures.maxAbsDiff(logits.perImage(), REF.npy("logits_per_image_f64")));
    }

    @Test
    void gradientsMatchPyTorch() throws Exception {
        Map<String, INDArray> expected = Fixtures.safetensors(REF.dir().resolve("grads.safetensors"));
        ClipModel model = REF.model();
        model.parameters().zeroGrad();
        model.trainStep(REF.npy("images"), REF.npy("tokens"));
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
