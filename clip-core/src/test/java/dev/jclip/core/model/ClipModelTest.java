package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClipModelTest {
    /** A very small ViT CLIP for finite differences. */
    static final String MICRO = """
            {"embed_dim": 6, "quick_gelu": true,
             "vision_cfg": {"image_size": 8, "layers": 1, "width": 8, "head_width": 4, "patch_size": 4},
             "text_cfg": {"context_length": 5, "vocab_size": 11, "width": 8, "heads": 2, "layers": 1}}""";

    static INDArray tokens(int batch, int ctx, int vocab, long seed) {
        java.util.Random r = new java.util.Random(seed);
        long[][] t = new long[batch][ctx];
        for (int b = 0; b < batch; b++) {
            int len = 1 + r.nextInt(ctx - 1);
            t[b][0] = vocab - 2;
            for (int i = 1; i < len; i++) t[b][i] = 1 + r.nextInt(vocab - 3);
            t[b][len] = vocab - 1;
        }
        return Nd4j.createFromArray(t);
    }

    @Test
    void wholeModelGradientsMatchFiniteDifferences() {
        ClipConfig cfg = ClipConfig.parse(MICRO, "micro");
        ClipModel model = ClipModel.create(cfg, 3, DataType.DOUBLE);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
        GradCheck.Report r = checkWholeModel(model, images, tokens(3, 5, 11, 4));
        assertTrue(r.maxRelError() < 1e-5, r.toString());
    }

    /**
     * Back-propagates one training step of {@code model} and compares every parameter's gradient with finite
     * differences of the contrastive loss (12 entries each, seed 9); shared with the patch-dropout test.
     */
    static GradCheck.Report checkWholeModel(ClipModel model, INDArray images, INDArray tokens) {
        model.parameters().zeroGrad();
        model.trainStep(images, tokens);
        return GradCheck.check(model.parameters().parameters(),
                () -> ContrastiveLoss.compute(model.encodeImage(images), model.encodeText(tokens),
                        model.logitScale().value().getDouble(0)).loss(), 12, 9);
    }

    /**
     * A ViT's representation is ln_post's class token, what visual.proj maps into the embedding space: times proj
     * (a plain double product here) it is encodeImage, and changing proj moves the embedding but not it.
     */
    @Test
    void vitRepresentationIsWhatTheProjectionMaps() {
        ClipModel model = ClipModel.create(ClipConfig.parse(MICRO, "micro"), 5, DataType.DOUBLE);
        model.setTraining(false);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
        INDArray rep = model.imageRepresentation(images).dup();
        assertEquals(List.of(3L, 8L), List.of(rep.size(0), rep.size(1)));
        INDArray proj = model.parameters().get("visual.proj").value();
        double[][] r = rep.toDoubleMatrix(), p = proj.toDoubleMatrix(), e = model.encodeImage(images).toDoubleMatrix();
        for (int b = 0; b < 3; b++) {
            double mean = 0;
            for (int d = 0; d < 8; d++) mean += r[b][d] / 8;
            assertEquals(0, mean, 1e-9); // a layer norm's output at its initial gain 1 and bias 0
            for (int k = 0; k < 6; k++) {
                double dot = 0;
                for (int d = 0; d < 8; d++) dot += r[b][d] * p[d][k];
                assertEquals(dot, e[b][k], 1e-9);
            }
        }
        // with the patch mean: the representation first, then a second layer-norm output that is not the class token's
        assertTrue(model.visual().hasPatchMean());
        assertTrue(model.visual().hasBlockOutputs());
        double[][] both = model.imageRepresentationWithPatchMean(images).toDoubleMatrix();
        for (int b = 0; b < 3; b++) {
            assertEquals(16, both[b].length);
            double mean = 0, sq = 0, diff = 0;
            for (int d = 0; d < 8; d++) {
                assertEquals(r[b][d], both[b][d], 1e-12);
                mean += both[b][8 + d] / 8;
                sq += both[b][8 + d] * both[b][8 + d] / 8;
                diff += Math.abs(both[b][8 + d] - r[b][d]);
            }
            assertEquals(0, mean, 1e-9);
            assertEquals(1, sq, 1e-3); // unit variance up to LayerNorm's eps
            assertTrue(diff > 1e-3, "the patch mean is not the class token");
        }
        proj.muli(2);
        assertEquals(0, model.imageRepresentation(images).sub(rep).norm2Number().doubleValue(), 0);
        assertTrue(model.encodeImage(images).sub(Nd4j.createFromArray(e).mul(2)).norm2Number().doubleValue() < 1e-9);
    }

    /**
     * The class token after every block, each through ln_post, against a naive computation: a copy of the model cut
     * after block k (the same weights, fewer blocks) has as its representation the k-th slice.
     */
    @Test
    void vitRepresentationOfEachBlockMatchesTruncatedModels() {
        String deep = MICRO.replace("\"layers\": 1, \"width\": 8, \"head_width\"", "\"layers\": 3, \"width\": 8, \"head_width\"");
        ClipModel model = ClipModel.create(ClipConfig.parse(deep, "micro-3"), 5, DataType.DOUBLE);
        assertEquals(3, model.config().vision().depth());
        // a non-trivial final norm, so that the slices depend on it
        model.parameters().get("visual.ln_post.weight").value().assign(Nd4j.randn(DataType.DOUBLE, 8).addi(1));
        model.parameters().get("visual.ln_post.bias").value().assign(Nd4j.randn(DataType.DOUBLE, 8).muli(0.3));
        model.setTraining(false);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
        double[][] all = model.imageRepresentationOfEachBlock(images).toDoubleMatrix();
        assertEquals(24, all[0].length);
        for (int k = 1; k <= 3; k++) {
            String cut = MICRO.replace("\"layers\": 1, \"width\": 8, \"head_width\"", "\"layers\": " + k + ", \"width\": 8, \"head_width\"");
            ClipModel truncated = ClipModel.create(ClipConfig.parse(cut, "micro-" + k), 6, DataType.DOUBLE);
            for (Parameter p : truncated.parameters().parameters()) p.value().assign(model.parameters().get(p.name()).value());
            truncated.setTraining(false);
            double[][] r = truncated.imageRepresentation(images).toDoubleMatrix();
            for (int b = 0; b < 3; b++) for (int d = 0; d < 8; d++) assertEquals(r[b][d], all[b][8 * (k - 1) + d], 1e-12, "block " + k);
        }
        // the slices differ from each other (each block changes the class token)
        double diff = 0;
        for (int d = 0; d < 8; d++) diff += Math.abs(all[0][d] - all[0][16 + d]);
        assertTrue(diff > 1e-3);
        // the last slice is the representation the projection maps
        double[][] rep = model.imageRepresentation(images).toDoubleMatrix();
        for (int b = 0; b < 3; b++) for (int d = 0; d < 8; d++) assertEquals(rep[b][d], all[b][16 + d], 1e-12);
    }

    /** The ResNet's attention pool ends in its c_proj into the embedding space: its representation is encodeImage. */
    @Test
    void resnetRepresentationIsTheAttentionPoolOutput() {
        ClipModel model = ClipModel.create(ClipConfig.preset("RN-tiny"), 5, DataType.DOUBLE);
        model.setTraining(false);
        int s = model.config().vision().imageSize();
        INDArray images = Nd4j.randn(DataType.DOUBLE, 2, 3, s, s);
        INDArray rep = model.imageRepresentation(images).dup();
        assertEquals(0, rep.sub(model.encodeImage(images)).norm2Number().doubleValue(), 1e-12);
        assertEquals(model.config().embedDim(), rep.size(1));
        assertFalse(model.visual().hasBlockOutputs());
        assertThrows(UnsupportedOperationException.class, () -> model.imageRepresentationOfEachBlock(images));

        // the patch mean: the attention pool's output, then its input map averaged over the positions (a naive loop here)
        assertTrue(model.visual().hasPatchMean());
        double[][] both = model.imageRepresentationWithPatchMean(images).toDoubleMatrix();
        INDArray map = ((ModifiedResNet) model.visual()).featureMap(images);
        int side = (int) map.size(1), channels = (int) map.size(3);
        assertEquals(s / 32, side);
        double[][] r = rep.toDoubleMatrix();
        for (int b = 0; b < 2; b++) {
            assertEquals(r[b].length + channels, both[b].length);
            for (int d = 0; d < r[b].length; d++) assertEquals(r[b][d], both[b][d], 1e-12);
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) sum += map.getDouble(b, y, x, c);
                assertEquals(sum / (side * side), both[b][r[b].length + c], 1e-12, "channel " + c);
            }
        }
    }

    @Test
    void causalMaskHidesLaterTokens() {
        ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 1, DataType.DOUBLE);
        INDArray a = tokens(2, 16, 1000, 1);
        INDArray b = a.dup();
        // change only the last position: rows' end tokens sit earlier, so pooled features must not move
        for (int i = 0; i < 2; i++) {
            assertTrue(a.getLong(i, 15) == 0 || a.getLong(i, 15) == 999);
        }
        a.putScalar(0, 15, 0);
        b.putScalar(0, 15, 500);
        a.putScalar(1, 15, 0);
        b.putScalar(1, 15, 3);
        assertEquals(0.0, model.encodeText(a).sub(model.encodeText(b)).amaxNumber().doubleValue(), 0.0);
    }

    @Test
    void poolsAtTheEndToken() {
        ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 1, DataType.DOUBLE);
        INDArray t = Nd4j.zeros(DataType.LONG, 1, 16);
        t.putScalar(0, 0, 998);
        t.putScalar(0, 1, 5);
        t.putScalar(0, 2, 999);
        INDArray moved = t.dup();
        moved.putScalar(0, 2, 7);
        moved.putScalar(0, 3, 999);
        INDArray f1 = model.encodeText(t);
        // the feature is the end token's: changing a token after the end (while keeping the end) changes nothing
        INDArray after = t.dup();
        after.putScalar(0, 5, 42);
        assertEquals(0.0, f1.sub(model.encodeText(after)).amaxNumber().doubleValue(), 0.0);
        // moving the end token changes the feature
        assertTrue(f1.sub(model.encodeText(moved)).amaxNumber().doubleValue() > 1e-6);
    }

    @Test
    void overfitsOneBatch() {
        ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 7);
        INDArray images = Nd4j.randn(DataType.FLOAT, 8, 3, 32, 32);
        INDArray tokens = tokens(8, 16, 1000, 2);
        double loss = Double.NaN;
        // plain Adam (the optimiser proper lives in clip-train)
        java.util.Map<String, INDArray[]> state = new java.util.HashMap<>();
        for (int step = 1; step <= 60; step++) {
            model.parameters().zeroGrad();
            loss = model.trainStep(images, tokens).loss();
            for (Parameter p : model.parameters()) {
                INDArray[] mv = state.computeIfAbsent(p.name(), k -> new INDArray[]{p.value().ulike().assign(0), p.value().ulike().assign(0)});
                mv[0].muli(0.9).addi(p.grad().mul(0.1));
                mv[1].muli(0.999).addi(p.grad().mul(p.grad()).muli(0.001));
                double lr = 1e-3 * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                p.value().subi(mv[0].div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(mv[1], true).addi(1e-8)).muli(lr));
            }
        }
        assertTrue(loss < 0.05, "loss after 60 steps: " + loss);
    }

    @Test
    void presetParameterCountsMatchOpenClip() {
        ClipModel b32 = ClipModel.create(ClipConfig.preset("ViT-B-32"), 0);
        long text = b32.parameters().count() - b32.parameters().count("visual.") - 1;
        assertEquals(63.43, text / 1e6, 0.005);
        assertEquals(151.28, b32.parameters().count() / 1e6, 0.005);
    }

    @Test
    void slicingTheBatchGivesTheSameFeatures() {
        ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 2, DataType.DOUBLE);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 4, 3, 32, 32);
        INDArray all = model.encodeImage(images);
        INDArray part = model.encodeImage(images.get(NDArrayIndex.interval(2, 4)).dup());
        assertTrue(all.get(NDArrayIndex.interval(2, 4)).sub(part).amaxNumber().doubleValue() < 1e-12);
    }
}
