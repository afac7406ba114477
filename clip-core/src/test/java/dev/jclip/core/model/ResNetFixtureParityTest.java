package dev.jclip.core.model;

import dev.jclip.core.testing.Fixtures;
import dev.jclip.core.testing.TorchReference;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ModifiedResNet fixture made by PyTorch with OpenAI's model classes (evaluation mode): outputs must agree. */
class ResNetFixtureParityTest {
    private static final TorchReference REF = TorchReference.load("rn-tiny");

    @Test
    void configIsTheTinyResNet() {
        assertTrue(REF.config().vision().isResNet());
        assertEquals(2, REF.config().vision().resolvedHeads());
        assertEquals(64, REF.config().vision().imageSize());
        assertEquals(64, REF.config().embedDim());
    }

    @Test
    void loadsEveryKeyIncludingBatchNormBuffers() {
        ClipModel model = REF.model();
        Map<String, INDArray> state = model.parameters().stateDict();
        assertEquals(REF.weights().keySet(), state.keySet());
        INDArray tracked = state.get("visual.layer2.0.downsample.1.num_batches_tracked");
        assertEquals(DataType.LONG, tracked.dataType());
        assertEquals(REF.weights().get("visual.layer2.0.downsample.1.num_batches_tracked").getLong(0), tracked.getLong(0));
        assertEquals(0.0, Fixtures.maxAbsDiff(state.get("visual.layer3.0.bn2.running_var"),
                REF.weights().get("visual.layer3.0.bn2.running_var")), 0.0);
    }

    @Test
    void reproducesReferenceOutputs() {
        REF.assertReproducedBy(REF.model());
    }

    @Test
    void evaluationLeavesRunningStatisticsAlone() {
        ClipModel model = REF.model();
        model.setTraining(false);
        model.encodeImage(REF.npy("images"));
        Map<String, INDArray> state = model.parameters().stateDict();
        assertEquals(0.0, Fixtures.maxAbsDiff(state.get("visual.bn1.running_mean"), REF.weights().get("visual.bn1.running_mean")), 0.0);
        assertEquals(REF.weights().get("visual.bn1.num_batches_tracked").getLong(0), state.get("visual.bn1.num_batches_tracked").getLong(0));
        // training mode moves them (and counts the batch)
        model.setTraining(true);
        model.encodeImage(REF.npy("images"));
        assertTrue(Fixtures.maxAbsDiff(state.get("visual.bn1.running_mean"), REF.weights().get("visual.bn1.running_mean")) > 1e-6);
        assertEquals(REF.weights().get("visual.bn1.num_batches_tracked").getLong(0) + 1, state.get("visual.bn1.num_batches_tracked").getLong(0));
    }

    @Test
    void doublePrecisionMatchesFloat64Reference() {
        ClipModel model = ClipModel.create(REF.config(), 0, DataType.DOUBLE);
        model.parameters().load(REF.weights(), true);
        model.setTraining(false);
        INDArray images = REF.npy("images").castTo(DataType.DOUBLE);
        INDArray tokens = REF.npy("tokens");
        INDArray fi = model.encodeImage(images);
        double dFeatures = Fixtures.maxAbsDiff(fi, REF.npy("image_features_f64"));
        assertTrue(dFeatures < 1e-12, "f64 image features differ by " + dFeatures);
        ClipModel.Logits logits = model.forward(images, tokens);
        double d = Fixtures.maxAbsDiff(logits.perImage(), REF.npy("logits_per_image_f64"));
        assertTrue(d < 1e-12, "f64 logits differ by " + d);
        double loss = ContrastiveLoss.compute(fi, model.encodeText(tokens), model.logitScale().value().getDouble(0)).loss();
        assertEquals(REF.npy("loss_f64").getDouble(0), loss, 1e-12);
    }
}
