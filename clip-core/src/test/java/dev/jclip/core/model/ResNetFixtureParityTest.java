package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
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

/** The ModifiedResNet fixture made by PyTorch with OpenAI's model classes (evaluation mode): outputs must agree. */
class ResNetFixtureParityTest {
    private static TorchReference ref;
    private static Path dir;
    private static ClipConfig config;
    private static Map<String, INDArray> weights;

    @BeforeAll
    static void load() throws Exception {
        ref = TorchReference.load("rn-tiny");
        dir = ref.dir();
        config = ref.config();
        weights = ref.weights();
    }

    @Test
    void configIsTheTinyResNet() {
        assertTrue(config.vision().isResNet());
        assertEquals(4, config.vision().resolvedHeads());
        assertEquals(64, config.vision().imageSize());
        assertEquals(64, config.embedDim());
    }

    @Test
    void loadsEveryKeyIncludingBatchNormBuffers() {
        ClipModel model = ClipModel.fromStateDict(config, weights);
        Map<String, INDArray> state = model.parameters().stateDict();
        assertEquals(weights.keySet(), state.keySet());
        INDArray tracked = state.get("visual.layer2.0.downsample.1.num_batches_tracked");
        assertEquals(DataType.LONG, tracked.dataType());
        assertEquals(weights.get("visual.layer2.0.downsample.1.num_batches_tracked").getLong(0), tracked.getLong(0));
        assertEquals(0.0, Fixtures.maxAbsDiff(state.get("visual.layer3.0.bn2.running_var"),
                weights.get("visual.layer3.0.bn2.running_var")), 0.0);
    }

    @Test
    void reproducesReferenceOutputs() {
        ref.assertReproducedBy(ref.model());
    }

    @Test
    void evaluationLeavesRunningStatisticsAlone() {
        ClipModel model = ClipModel.fromStateDict(config, weights);
        model.setTraining(false);
        model.encodeImage(Fixtures.npy(dir.resolve("images.npy")));
        Map<String, INDArray> state = model.parameters().stateDict();
        assertEquals(0.0, Fixtures.maxAbsDiff(state.get("visual.bn1.running_mean"), weights.get("visual.bn1.running_mean")), 0.0);
        assertEquals(weights.get("visual.bn1.num_batches_tracked").getLong(0), state.get("visual.bn1.num_batches_tracked").getLong(0));
        // training mode moves them (and counts the batch)
        model.setTraining(true);
        model.encodeImage(Fixtures.npy(dir.resolve("images.npy")));
        assertTrue(Fixtures.maxAbsDiff(state.get("visual.bn1.running_mean"), weights.get("visual.bn1.running_mean")) > 1e-6);
        assertEquals(weights.get("visual.bn1.num_batches_tracked").getLong(0) + 1, state.get("visual.bn1.num_batches_tracked").getLong(0));
    }

    @Test
    void doublePrecisionMatchesFloat64Reference() {
        ClipModel model = ClipModel.create(config, 0, DataType.DOUBLE);
        model.parameters().load(weights, true);
        model.setTraining(false);
        INDArray images = Fixtures.npy(dir.resolve("images.npy")).castTo(DataType.DOUBLE);
        INDArray tokens = Fixtures.npy(dir.resolve("tokens.npy"));
        INDArray fi = model.encodeImage(images);
        double dFeatures = Fixtures.maxAbsDiff(fi, Fixtures.npy(dir.resolve("image_features_f64.npy")));
        assertTrue(dFeatures < 1e-12, "f64 image features differ by " + dFeatures);
        ClipModel.Logits logits = model.forward(images, tokens);
        double d = Fixtures.maxAbsDiff(logits.perImage(), Fixtures.npy(dir.resolve("logits_per_image_f64.npy")));
        assertTrue(d < 1e-12, "f64 logits differ by " + d);
        double loss = ContrastiveLoss.compute(fi, model.encodeText(tokens), model.logitScale().value().getDouble(0)).loss();
        assertEquals(Fixtures.npy(dir.resolve("loss_f64.npy")).getDouble(0), loss, 1e-12);
    }
}
