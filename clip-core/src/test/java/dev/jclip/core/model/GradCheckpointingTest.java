package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Activation checkpointing recomputes the blocks' activations in backward: the gradients are the plain path's, bit for bit. */
class GradCheckpointingTest {

    /** One training step's loss and flat gradient, with or without checkpointing. */
    private static double[] step(ClipConfig cfg, DataType dtype, boolean checkpointing, INDArray images, INDArray tokens) {
        try (ClipModel m = ClipModel.create(cfg, 4, dtype)) {
            m.setGradCheckpointing(checkpointing);
            m.seedRandomness(17, 0);
            double loss = m.trainStep(images, tokens).loss();
            double[] g = m.parameters().flatGrads().data().asDouble();
            double[] out = new double[g.length + 1];
            out[0] = loss;
            System.arraycopy(g, 0, out, 1, g.length);
            return out;
        }
    }

    private static void bitIdentical(ClipConfig cfg, DataType dtype, int batch) {
        int s = cfg.vision().imageSize();
        INDArray images = Nd4j.randn(7, new long[]{batch, 3, s, s}).castTo(dtype);
        INDArray tokens = ClipModelTest.tokens(batch, cfg.text().contextLength(), cfg.text().vocabSize(), 3);
        double[] plain = step(cfg, dtype, false, images, tokens);
        double[] recomputed = step(cfg, dtype, true, images, tokens);
        assertEquals(plain[0], recomputed[0], 0, "loss");
        assertArrayEquals(plain, recomputed, 0, cfg + " " + dtype);
    }

    @Test
    void vitGradientsAreBitIdenticalInFloatAndDouble() {
        bitIdentical(ClipConfig.preset("ViT-tiny"), DataType.FLOAT, 8);    // the fused CPU kernels
        bitIdentical(ClipConfig.preset("ViT-tiny"), DataType.DOUBLE, 4);   // the ND4J-op path
    }

    @Test
    void withPatchDropoutAndWithAResNetImageTowerToo() {
        bitIdentical(ClipConfig.preset("ViT-tiny").withPatchDropout(0.5), DataType.FLOAT, 8);
        bitIdentical(ClipConfig.preset("RN-tiny"), DataType.FLOAT, 4);     // the text tower checkpointed, the ResNet not
    }
}
