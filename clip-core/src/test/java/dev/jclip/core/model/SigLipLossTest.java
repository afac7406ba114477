package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import dev.jclip.core.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigLIP's sigmoid loss against a reference written here independently: the textbook formula element by element
 * ({@code -log(1 / (1 + exp(-z l)))}) and gradients by the chain rule through each cosine, in plain double loops;
 * the reference itself is checked against finite differences.
 */
class SigLipLossTest {

    /** Loss and gradients of the reference: [0] = loss, then d/dimg, d/dtxt, d/dt, d/db. */
    record Reference(double loss, double[][] dImg, double[][] dTxt, double dScale, double dBias) {
    }

    static double referenceLoss(double[][] img, double[][] txt, double t, double bias) {
        int n = img.length;
        double s = Math.exp(t), loss = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double l = s * cosine(img[i], txt[j]) + bias;
                double z = i == j ? 1 : -1;
                loss -= Math.log(1 / (1 + Math.exp(-z * l)));
            }
        }
        return loss / n;
    }

    static Reference reference(double[][] img, double[][] txt, double t, double bias) {
        int n = img.length, e = img[0].length;
        double s = Math.exp(t);
        double[][] dImg = new double[n][e], dTxt = new double[n][e];
        double dScale = 0, dBias = 0;
        for (int i = 0; i < n; i++) {
            double ni = norm(img[i]);
            for (int j = 0; j < n; j++) {
                double nt = norm(txt[j]);
                double c = cosine(img[i], txt[j]);
                double z = i == j ? 1 : -1;
                double l = s * c + bias;
                // d/dl of -log sigmoid(z l) = -z (1 - sigmoid(z l)), over n
                double g = -z * (1 - 1 / (1 + Math.exp(-z * l))) / n;
                dBias += g;
                dScale += g * s * c;
                for (int k = 0; k < e; k++) {
                    // d cos / d img_ik = (txt_jk / |txt_j| - cos img_ik / |img_i|) / |img_i|
                    dImg[i][k] += g * s * (txt[j][k] / nt - c * img[i][k] / ni) / ni;
                    dTxt[j][k] += g * s * (img[i][k] / ni - c * txt[j][k] / nt) / nt;
                }
            }
        }
        return new Reference(referenceLoss(img, txt, t, bias), dImg, dTxt, dScale, dBias);
    }

    private static double norm(double[] a) {
        double q = 0;
        for (double v : a) q += v * v;
        return Math.sqrt(q);
    }

    private static double cosine(double[] a, double[] b) {
        double d = 0;
        for (int k = 0; k < a.length; k++) d += a[k] * b[k];
        return d / (norm(a) * norm(b));
    }

    private static double[][] gaussian(Random rnd, int n, int e) {
        double[][] a = new double[n][e];
        for (double[] row : a) for (int k = 0; k < e; k++) row[k] = rnd.nextGaussian();
        return a;
    }

    private static INDArray rows(DataType t, double[][] r) {
        return Nd4j.createFromArray(r).castTo(t);
    }

    private static void assertClose(double[][] expected, INDArray actual, double tol, String what) {
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                assertEquals(expected[i][k], actual.getDouble(i, k), tol, what + "[" + i + "][" + k + "]");
            }
        }
    }

    @Test
    void lossAndGradientsMatchTheReferenceTo1e10InEveryBlockHeight() {
        Random rnd = new Random(7);
        int n = 7, e = 5;
        double[][] img = gaussian(rnd, n, e), txt = gaussian(rnd, n, e);
        // a trained-looking scale and bias, and SigLIP's initial ones
        for (double[] tb : new double[][]{{Math.log(10), -10}, {Math.log(30), -3.5}}) {
            Reference ref = reference(img, txt, tb[0], tb[1]);
            for (int block : new int[]{1, 3, 7, 256}) {
                SigLipLoss.Result r = SigLipLoss.compute(rows(DataType.DOUBLE, img), rows(DataType.DOUBLE, txt), tb[0], tb[1], block);
                String at = "t=" + tb[0] + " b=" + tb[1] + " block " + block + ": ";
                assertEquals(ref.loss(), r.loss(), 1e-10, at + "loss");
                assertClose(ref.dImg(), r.gradImageFeatures(), 1e-10, at + "d/dimg");
                assertClose(ref.dTxt(), r.gradTextFeatures(), 1e-10, at + "d/dtxt");
                assertEquals(ref.dScale(), r.gradLogitScale(), 1e-10, at + "d/dlogit_scale");
                assertEquals(ref.dBias(), r.gradLogitBias(), 1e-10, at + "d/dlogit_bias");
            }
        }
    }

    @Test
    void theReferenceMatchesFiniteDifferences() {
        Random rnd = new Random(3);
        double[][] img = gaussian(rnd, 4, 3), txt = gaussian(rnd, 4, 3);
        double t = Math.log(12), b = -2.5, h = 1e-6;
        Reference ref = reference(img, txt, t, b);
        for (double[][] m : new double[][][]{img, txt}) {
            double[][] grad = m == img ? ref.dImg() : ref.dTxt();
            for (int i = 0; i < m.length; i++) {
                for (int k = 0; k < m[i].length; k++) {
                    double keep = m[i][k];
                    m[i][k] = keep + h;
                    double up = referenceLoss(img, txt, t, b);
                    m[i][k] = keep - h;
                    double down = referenceLoss(img, txt, t, b);
                    m[i][k] = keep;
                    assertEquals((up - down) / (2 * h), grad[i][k], 1e-7, "[" + i + "][" + k + "]");
                }
            }
        }
        assertEquals((referenceLoss(img, txt, t + h, b) - referenceLoss(img, txt, t - h, b)) / (2 * h), ref.dScale(), 1e-7);
        assertEquals((referenceLoss(img, txt, t, b + h) - referenceLoss(img, txt, t, b - h)) / (2 * h), ref.dBias(), 1e-7);
    }

    @Test
    void float32AgreesWithDoubleAndHugeLogitsStayFinite() {
        Random rnd = new Random(11);
        double[][] img = gaussian(rnd, 9, 16), txt = gaussian(rnd, 9, 16);
        SigLipLoss.Result d = SigLipLoss.compute(rows(DataType.DOUBLE, img), rows(DataType.DOUBLE, txt), Math.log(10), -10, 4);
        SigLipLoss.Result f = SigLipLoss.compute(rows(DataType.FLOAT, img), rows(DataType.FLOAT, txt), Math.log(10), -10, 4);
        assertEquals(d.loss(), f.loss(), 1e-5 * d.loss());
        assertTrue(d.gradImageFeatures().sub(f.gradImageFeatures().castTo(DataType.DOUBLE)).amaxNumber().doubleValue() < 1e-5);
        // logits of +-1e4: the textbook log(sigmoid) would be log(0) = -inf
        SigLipLoss.Result big = SigLipLoss.compute(rows(DataType.DOUBLE, img), rows(DataType.DOUBLE, txt), Math.log(1e4), 0, 4);
        assertTrue(Double.isFinite(big.loss()) && big.loss() > 100, "loss " + big.loss());
        for (double v : big.gradImageFeatures().data().asDouble()) assertTrue(Double.isFinite(v));
    }

    @Test
    void aSiglipModelHasLogitBiasUnderOpenClipsNameWithThePapersInitialValues() {
        ClipConfig plain = ClipConfig.parse(ClipModelTest.MICRO, "micro");
        ClipConfig siglip = plain.withSiglip();
        assertTrue(siglip.isSiglip());
        assertFalse(plain.isSiglip());
        // the model JSON carries it (checkpoints' "config" metadata), so a loaded checkpoint rebuilds the bias
        assertEquals(siglip, ClipConfig.parse(siglip.toJson(), "round trip"));
        assertTrue(siglip.toJson().contains("\"init_logit_bias\""));
        try (ClipModel m = ClipModel.create(siglip, 1, DataType.DOUBLE); ClipModel p = ClipModel.create(plain, 1, DataType.DOUBLE)) {
            assertEquals(-10.0, m.parameters().stateDict().get("logit_bias").getDouble(0), 0);
            assertEquals(Math.log(10), m.logitScale().value().getDouble(0), 1e-15);
            assertNull(p.logitBias());
            assertFalse(p.parameters().contains("logit_bias"));
            assertFalse(m.logitBias().decay(), "open_clip does not decay the bias");
            assertEquals(p.parameters().count() + 1, m.parameters().count());
        }
        assertThrows(dev.jclip.core.config.ConfigException.class, () -> ClipConfig.parse(
                ClipModelTest.MICRO.replace("\"embed_dim\": 6", "\"embed_dim\": 6, \"init_logit_bias\": \"x\""), "bad"));
    }

    @Test
    void wholeSiglipModelGradientsMatchFiniteDifferences() {
        ClipConfig cfg = ClipConfig.parse(ClipModelTest.MICRO, "micro").withSiglip();
        try (ClipModel model = ClipModel.create(cfg, 3, DataType.DOUBLE)) {
            // a bias near the logits' range, so the gradients are not all vanishing
            model.logitBias().value().assign(-1.5);
            INDArray images = Nd4j.randn(DataType.DOUBLE, 3, 3, 8, 8);
            INDArray tokens = ClipModelTest.tokens(3, 5, 11, 4);
            model.parameters().zeroGrad();
            model.trainStep(images, tokens);
            Parameter bias = model.logitBias();
            assertTrue(Math.abs(bias.grad().getDouble(0)) > 1e-3, "bias gradient " + bias.grad());
            GradCheck.Report r = GradCheck.check(model.parameters().parameters(),
                    () -> SigLipLoss.compute(model.encodeImage(images), model.encodeText(tokens),
                            model.logitScale().value().getDouble(0), model.logitBias().value().getDouble(0), 2).loss(), 12, 9);
            assertTrue(r.maxRelError() < 1e-5, r.toString());
        }
    }
}
