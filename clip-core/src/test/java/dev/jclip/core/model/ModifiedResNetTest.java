package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.BatchNorm2d;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModifiedResNetTest {
    /** The smallest ResNet CLIP: 32x32 images (1x1 final map), stem width 4, attention-pool width 128, 2 heads. */
    static final String MICRO_RN = """
            {"embed_dim": 6, "quick_gelu": true,
             "vision_cfg": {"image_size": 32, "layers": [1, 1, 1, 1], "width": 4, "head_width": 64, "patch_size": null},
             "text_cfg": {"context_length": 5, "vocab_size": 11, "width": 8, "heads": 2, "layers": 1}}""";

    @Test
    void wholeModelGradientsMatchFiniteDifferencesInTrainingMode() {
        ClipConfig cfg = ClipConfig.parse(MICRO_RN, "micro-rn");
        ClipModel model = ClipModel.create(cfg, 3, DataType.DOUBLE);
        assertInstanceOf(ModifiedResNet.class, model.visual());
        // bn3 starts at zero, which would hide every block's main branch from the check
        Nd4j.getRandom().setSeed(1);
        for (Parameter p : model.parameters()) {
            if (p.name().endsWith("bn3.weight")) p.value().assign(Nd4j.randn(DataType.DOUBLE, p.value().shape()));
        }
        model.setTraining(true);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 32, 32);
        INDArray tokens = ClipModelTest.tokens(3, 5, 11, 4);
        model.parameters().zeroGrad();
        model.trainStep(images, tokens);
        // every layer kind is checked exhaustively in ResNetLayerGradientTest; here the wiring: the stem, the first
        // and last block (both with a downsample branch), the attention pool and the loss's own parameters
        java.util.List<Parameter> sample = model.parameters().parameters().stream()
                .filter(p -> p.name().matches("visual\\.(conv1|bn1|conv3|bn3)\\..*|visual\\.layer[14]\\..*|visual\\.attnpool\\..*"
                        + "|logit_scale|text_projection"))
                .toList();
        assertTrue(sample.size() > 40, "sampled " + sample.size());
        GradCheck.Report r = GradCheck.check(sample,
                () -> ContrastiveLoss.compute(model.encodeImage(images), model.encodeText(tokens),
                        model.logitScale().value().getDouble(0)).loss(), 2, 9);
        assertTrue(r.maxRelError() < 1e-5, r.toString());
    }

    @Test
    void openAiInitialisation() {
        ClipModel model = ClipModel.create(ClipConfig.preset("RN-tiny"), 5);
        var store = model.parameters();
        int c = 16 * 32;
        for (String proj : new String[]{"q_proj", "k_proj", "v_proj", "c_proj"}) {
            double std = store.get("visual.attnpool." + proj + ".weight").value().stdNumber().doubleValue();
            assertEquals(Math.pow(c, -0.5), std, 0.1 * Math.pow(c, -0.5), proj);
        }
        assertEquals(Math.pow(c, -0.5), store.get("visual.attnpool.positional_embedding").value().stdNumber().doubleValue(),
                0.1 * Math.pow(c, -0.5));
        for (Parameter p : store) {
            if (p.name().endsWith("bn3.weight") && p.name().contains("layer")) {
                assertEquals(0.0, p.value().amaxNumber().doubleValue(), p.name());
            } else if (p.name().startsWith("visual.") && p.name().contains("bn") && p.name().endsWith(".weight")
                    || p.name().contains("downsample.1.weight")) {
                assertEquals(1.0, p.value().minNumber().doubleValue(), p.name());
                assertEquals(1.0, p.value().maxNumber().doubleValue(), p.name());
            }
        }
        // conv: U(+-1/sqrt(fan_in)); layer1.0.conv2 has fan_in 16*9
        INDArray w = store.get("visual.layer1.0.conv2.weight").value();
        double bound = 1 / Math.sqrt(16 * 9);
        assertTrue(w.amaxNumber().doubleValue() <= bound && w.amaxNumber().doubleValue() > 0.9 * bound);
        assertEquals(1.0, store.buffers().get("visual.layer4.0.downsample.1.running_var").minNumber().doubleValue());
        assertEquals(0L, store.buffers().get("visual.bn1.num_batches_tracked").getLong(0));
    }

    @Test
    void rn50ParameterCountMatchesOpenClip() {
        ClipModel rn50 = ClipModel.create(ClipConfig.preset("RN50"), 0);
        long total = rn50.parameters().count();
        long text = total - rn50.parameters().count("visual.") - 1;
        assertEquals(102.01, total / 1e6, 0.005);
        assertEquals(63.69, text / 1e6, 0.005);
        assertEquals(32, rn50.config().vision().resolvedHeads());
        // buffers are state but not parameters
        assertTrue(rn50.parameters().stateDict().size() > rn50.parameters().parameters().size());
    }

    @Test
    void presetsHaveOpenClipEmbeddingWidths() {
        String[] names = {"RN50", "RN101", "RN50x4", "RN50x16", "RN50x64"};
        int[] embed = {1024, 512, 640, 768, 1024};
        for (int i = 0; i < names.length; i++) {
            ClipConfig cfg = ClipConfig.preset(names[i]);
            assertTrue(cfg.vision().isResNet(), names[i]);
            assertEquals(embed[i], cfg.embedDim(), names[i]);
        }
    }

    @Test
    void trainingModeTogglesEveryBatchNorm() {
        ClipModel model = ClipModel.create(ClipConfig.parse(MICRO_RN, "micro-rn"), 1);
        ModifiedResNet rn = (ModifiedResNet) model.visual();
        assertEquals(3 + 4 * 4, rn.batchNorms().size());
        model.setTraining(false);
        for (BatchNorm2d bn : rn.batchNorms()) assertFalse(bn.isTraining());
        model.setTraining(true);
        for (BatchNorm2d bn : rn.batchNorms()) assertTrue(bn.isTraining());
    }

    @Test
    void evaluationIsPerImage() {
        ClipModel model = ClipModel.create(ClipConfig.preset("RN-tiny"), 2, DataType.DOUBLE);
        model.setTraining(false);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 64, 64);
        INDArray all = model.encodeImage(images);
        INDArray one = model.encodeImage(images.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2)).dup());
        assertTrue(all.getRow(1).sub(one.getRow(0)).amaxNumber().doubleValue() < 1e-12);
    }

    @Test
    void rejectsWrongImageSize() {
        ClipModel model = ClipModel.create(ClipConfig.parse(MICRO_RN, "micro-rn"), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.encodeImage(Nd4j.zeros(DataType.FLOAT, 2, 3, 64, 64)));
        assertTrue(e.getMessage().contains("32"), e.getMessage());
    }
}
