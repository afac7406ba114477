package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Patch dropout (FLIP; open_clip's patch_dropout): what it drops, when, and its gradients. */
class PatchDropoutTest {
    /** ViT-tiny's tower: 32 px images of 8 px patches, 16 patches. */
    private static ClipConfig tiny(double p) {
        return ClipConfig.preset("ViT-tiny").withPatchDropout(p);
    }

    /** Image features of a training-mode model whose patch choice is seeded with {@code seed} from row 0. */
    private static INDArray encodeSeeded(ClipModel m, INDArray images, long seed) {
        m.seedRandomness(seed, 0);
        return m.encodeImage(images).dup();
    }

    @Test
    void trainingKeepsExactlyOpenClipsCountOfPatchesPerImageAndEvaluationKeepsAll() {
        try (ClipModel m = ClipModel.create(tiny(0.5), 1, DataType.DOUBLE)) {
            INDArray images = Nd4j.randn(DataType.DOUBLE, 2, 3, 32, 32);
            INDArray base = encodeSeeded(m, images, 42);
            // a patch that is kept changes image 0's feature when its pixels change; a dropped one does not
            int influencing = 0;
            for (int py = 0; py < 4; py++) {
                for (int px = 0; px < 4; px++) {
                    INDArray changed = images.dup();
                    changed.get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.interval(py * 8, py * 8 + 8),
                            NDArrayIndex.interval(px * 8, px * 8 + 8)).addi(1.0);
                    INDArray f = m.encodeImage(changed);
                    if (!f.getRow(0).equals(base.getRow(0))) influencing++;
                    assertEquals(base.getRow(1), f.getRow(1), "image 1 depends only on its own pixels");
                }
            }
            assertEquals(8, influencing, "max(1, int(16 x (1 - 0.5))) patches kept");
            // evaluation drops nothing: every patch matters, and the model equals one built without dropout
            m.setTraining(false);
            try (ClipModel plain = ClipModel.create(ClipConfig.preset("ViT-tiny"), 1, DataType.DOUBLE)) {
                plain.setTraining(false);
                assertEquals(plain.encodeImage(images), m.encodeImage(images));
            }
        }
    }

    @Test
    void theChoiceIsAFunctionOfSeedAndRowOnly() {
        try (ClipModel m = ClipModel.create(tiny(0.75), 2, DataType.DOUBLE)) {
            INDArray images = Nd4j.randn(DataType.DOUBLE, 6, 3, 32, 32);
            INDArray a = encodeSeeded(m, images, 7);
            INDArray b = m.encodeImage(images).dup();
            assertEquals(a, b, "same seed, same patches");
            // a micro-batch of rows 3..5 seeded with its first row drops what the whole batch dropped there
            m.seedRandomness(7, 3);
            INDArray part = m.encodeImage(images.get(NDArrayIndex.interval(3, 6)).dup()).dup();
            assertEquals(a.get(NDArrayIndex.interval(3, 6), NDArrayIndex.all()), part);
            m.seedRandomness(8, 0);
            assertNotEquals(a, m.encodeImage(images), "another seed, other patches");
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesInDouble() {
        ClipConfig cfg = ClipConfig.parse(ClipModelTest.MICRO, "micro").withPatchDropout(0.5);   // 4 patches, 2 kept
        try (ClipModel model = ClipModel.create(cfg, 3, DataType.DOUBLE)) {
            INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
            model.seedRandomness(5, 0);
            GradCheck.Report r = ClipModelTest.checkWholeModel(model, images, ClipModelTest.tokens(3, 5, 11, 4));
            assertTrue(r.maxRelError() < 1e-5, r.toString());
            // dropped positions get no positional-embedding gradient; the class token's row always does
            INDArray pos = model.parameters().get("visual.positional_embedding").grad();
            int zeroRows = 0;
            for (int i = 1; i < pos.rows(); i++) if (pos.getRow(i).amaxNumber().doubleValue() == 0) zeroRows++;
            assertTrue(pos.getRow(0).amaxNumber().doubleValue() > 0);
            assertTrue(zeroRows < 4, "with 3 images, some patch of the 4 is kept in one of them");
        }
    }

    @Test
    void theConfigCarriesOpenClipsFieldAndRefusesNonsense() {
        ClipConfig c = tiny(0.5);
        assertTrue(c.toJson().contains("\"patch_dropout\""));
        assertEquals(c, ClipConfig.parse(c.toJson(), "round trip"));
        assertThrows(ConfigException.class, () -> tiny(1.0));
        assertThrows(ConfigException.class, () -> ClipConfig.preset("RN-tiny").withPatchDropout(0.5));
    }
}
