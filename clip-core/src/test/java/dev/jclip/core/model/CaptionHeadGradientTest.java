package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.Objective;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bag-of-words and caption-LM objectives checked as the contrastive loss is: every parameter's gradient, and
 * the gradient they pass back into the image tower, against central finite differences in double precision, plus
 * their targets and loss values against naive loops.
 */
class CaptionHeadGradientTest {
    private static final int VOCAB = 11, CTX = 5;

    private static ClipModel model(Objective o, long seed) {
        return ClipModel.create(ClipConfig.parse(ClipModelTest.MICRO, "micro").withObjective(o), seed, DataType.DOUBLE);
    }

    /** Captions with repeated words, so that bags hold counts above one. */
    private static INDArray captions() {
        return Nd4j.createFromArray(new long[][]{
                {9, 3, 3, 10, 0},     // words 3, 3
                {9, 1, 2, 4, 10},     // words 1, 2, 4 (end token last)
                {9, 10, 0, 0, 0},     // no words
                {9, 5, 0, 5, 10}});   // words 5, 0, 5 (id 0 is a word before the end token)
    }

    @Test
    void bagOfWordsGradientsMatchFiniteDifferences() {
        checkWholeModel(Objective.BOW);
    }

    @Test
    void captionLanguageModelGradientsMatchFiniteDifferences() {
        checkWholeModel(Objective.CAPTION_LM);
    }

    /** Every parameter of the model, image tower included, through the head's loss; 12 entries each. */
    private static void checkWholeModel(Objective o) {
        ClipModel model = model(o, 3);
        INDArray images = Nd4j.randn(DataType.DOUBLE, 4, 3, 8, 8);
        INDArray tokens = captions();
        model.parameters().zeroGrad();
        double loss = model.trainStep(images, tokens).loss();
        assertEquals(loss, lossOnly(model, images, tokens), 1e-12);
        List<Parameter> headParams = model.parameters().parameters().stream()
                .filter(p -> p.name().startsWith(o == Objective.BOW ? "bow_head." : "caption_head.")).toList();
        assertEquals(2, headParams.size(), "the head's parameters are in the store: " + headParams);
        GradCheck.Report r = GradCheck.check(model.parameters().parameters(), () -> lossOnly(model, images, tokens), 12, 9);
        assertTrue(r.maxRelError() < 1e-5, o + ": " + r);
        // the image-tower and head gradients are not all zero (a check of nothing would also pass)
        for (Parameter p : headParams) assertTrue(p.grad().amaxNumber().doubleValue() > 1e-6, p.name());
        assertTrue(model.parameters().get("visual.proj").grad().amaxNumber().doubleValue() > 1e-6);
    }

    /** The head's loss without touching the gradients the check compares against. */
    private static double lossOnly(ClipModel model, INDArray images, INDArray tokens) {
        INDArray saved = model.parameters().flatGrads().dup();
        double l = model.captionHead().lossAndBackward(model.encodeImage(images), tokens).loss();
        model.parameters().flatGrads().assign(saved);
        return l;
    }

    @Test
    void headsPassBackTheImageFeatureGradient() {
        for (Objective o : List.of(Objective.BOW, Objective.CAPTION_LM)) {
            ClipModel model = model(o, 5);
            INDArray features = Nd4j.randn(DataType.DOUBLE, 4, 6);
            INDArray tokens = captions();
            INDArray analytic = model.captionHead().lossAndBackward(features, tokens).gradImageFeatures();
            GradCheck.Report r = GradCheck.checkInput(features, analytic,
                    () -> model.captionHead().lossAndBackward(features, tokens).loss());
            assertTrue(r.maxRelError() < 1e-6, o + ": " + r);
        }
    }

    @Test
    void bagsCountWordTokensOnly() {
        double[][] bags = BagOfWordsHead.bags(captions(), VOCAB, DataType.DOUBLE).toDoubleMatrix();
        double[][] expected = new double[4][VOCAB];
        expected[0][3] = 1.0;
        expected[1][1] = expected[1][2] = expected[1][4] = 1.0 / 3;
        expected[3][5] = 2.0 / 3;
        expected[3][0] = 1.0 / 3;
        for (int i = 0; i < 4; i++) org.junit.jupiter.api.Assertions.assertArrayEquals(expected[i], bags[i], 1e-15, "row " + i);
    }

    @Test
    void bagOfWordsLossIsTheNaiveCrossEntropy() {
        ClipModel model = model(Objective.BOW, 7);
        INDArray f = Nd4j.randn(DataType.DOUBLE, 4, 6);
        double[][] w = model.parameters().get("bow_head.weight").value().toDoubleMatrix();
        double[] b = model.parameters().get("bow_head.bias").value().toDoubleVector();
        double[][] bags = BagOfWordsHead.bags(captions(), VOCAB, DataType.DOUBLE).toDoubleMatrix();
        double[][] x = f.toDoubleMatrix();
        double loss = 0;
        for (int i = 0; i < 4; i++) {
            double[] z = new double[VOCAB];
            for (int v = 0; v < VOCAB; v++) {
                z[v] = b[v];
                for (int e = 0; e < 6; e++) z[v] += x[i][e] * w[v][e];
            }
            double lse = logSumExp(z);
            for (int v = 0; v < VOCAB; v++) loss -= bags[i][v] * (z[v] - lse);
        }
        assertEquals(loss / 4, model.captionHead().lossAndBackward(f, captions()).loss(), 1e-12);
    }

    @Test
    void softmaxCrossEntropyMatchesFiniteDifferencesWithSoftTargets() {
        INDArray z = Nd4j.randn(DataType.DOUBLE, 3, 7).muli(3);
        INDArray t = Nd4j.rand(DataType.DOUBLE, 3, 7);
        SoftmaxCrossEntropy.Result r = SoftmaxCrossEntropy.compute(z, t, 2.5);
        GradCheck.Report g = GradCheck.checkInput(z, r.gradLogits(), () -> SoftmaxCrossEntropy.compute(z, t, 2.5).loss());
        assertTrue(g.maxRelError() < 1e-5, g.toString());
        // and its value against the textbook formula
        double[][] zz = z.toDoubleMatrix(), tt = t.toDoubleMatrix();
        double loss = 0;
        for (int i = 0; i < 3; i++) {
            double lse = logSumExp(zz[i]);
            for (int v = 0; v < 7; v++) loss -= tt[i][v] * (zz[i][v] - lse);
        }
        assertEquals(loss / 2.5, r.loss(), 1e-12);
    }

    @Test
    void theCaptionModelSeesTheImageAndOnlyEarlierTokens() {
        ClipModel model = model(Objective.CAPTION_LM, 11);
        CaptionHead head = model.captionHead();
        INDArray f = Nd4j.randn(DataType.DOUBLE, 2, 6);
        INDArray a = Nd4j.createFromArray(new long[][]{{9, 3, 4, 10, 0}});
        INDArray s = head.scores(f, a);
        assertNotEquals(s.getDouble(0, 0), s.getDouble(1, 0), "different images give different likelihoods");
        // the padding after the end token is never read; a later word changes the total only through its own term
        INDArray padded = Nd4j.createFromArray(new long[][]{{9, 3, 4, 10, 7}});
        assertEquals(s.getDouble(0, 0), head.scores(f, padded).getDouble(0, 0), 1e-12);
    }

    @Test
    void objectiveTravelsInTheConfigJsonAndAbsentMeansContrastive() {
        ClipConfig c = ClipConfig.parse(ClipModelTest.MICRO, "micro");
        assertEquals(Objective.CONTRASTIVE, c.objective());
        assertTrue(!c.toJson().contains("objective"), "a contrastive config's JSON is today's: " + c.toJson());
        for (Objective o : List.of(Objective.BOW, Objective.CAPTION_LM)) {
            ClipConfig back = ClipConfig.parse(c.withObjective(o).toJson(), "round trip");
            assertEquals(o, back.objective());
            assertEquals(c.withObjective(o), back);
        }
        assertNull(model(Objective.CONTRASTIVE, 1).captionHead());
        assertThrows(ConfigException.class, () -> c.withObjective(Objective.BOW).withSiglip());
        ConfigException e = assertThrows(ConfigException.class, () -> ClipConfig.parse(
                ClipModelTest.MICRO.replace("\"embed_dim\": 6,", "\"embed_dim\": 6, \"objective\": \"captions\","), "bad"));
        assertTrue(e.getMessage().contains("caption-lm"), e.getMessage());
    }

    private static double logSumExp(double[] z) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : z) m = Math.max(m, v);
        for (double v : z) s += Math.exp(v - m);
        return m + Math.log(s);
    }
}
