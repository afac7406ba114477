package dev.jclip.eval.zeroshot;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.Objective;
import dev.jclip.core.model.ClipModel;
import dev.jclip.data.text.CaptionTokenizer;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.data.ImageCaptionPairs;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.report.EvalReport;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zero-shot for the bag-of-words and caption-LM objectives (a class scored by its prompts' likelihood) against
 * naive implementations on a tiny model: the bag's log-softmax written out in double, and the caption model's
 * likelihood taken from its training loss on one image and one prompt at a time.
 */
class LikelihoodZeroShotTest {
    private static final int VOCAB = 12;
    private static final List<String> WORDS = List.of("a", "red", "blue", "circle", "square", "photo", "of");
    private static final List<String> CLASSES = List.of("red circle", "blue square", "red square");
    private static final List<String> TEMPLATES = List.of("a {}", "a photo of a {}");
    private static final String MODEL = """
            {"embed_dim": 6, "quick_gelu": true,
             "vision_cfg": {"image_size": 8, "layers": 1, "width": 8, "head_width": 4, "patch_size": 4},
             "text_cfg": {"context_length": 8, "vocab_size": 12, "width": 8, "heads": 2, "layers": 1}}""";

    /** One id per word, start 10, end 11, zero padding. */
    private static final CaptionTokenizer TOKENIZER = new CaptionTokenizer() {
        @Override
        public int[] tokenize(String text, int contextLength, boolean truncate) {
            int[] row = new int[contextLength];
            int n = 0;
            row[n++] = VOCAB - 2;
            for (String w : text.split(" ")) row[n++] = WORDS.indexOf(w) + 1;
            row[n] = VOCAB - 1;
            return row;
        }

        @Override
        public int vocabSize() {
            return VOCAB;
        }
    };

    private static ModelEncoder encoder(Objective o) {
        return new ModelEncoder(ClipModel.create(ClipConfig.parse(MODEL, "tiny").withObjective(o), 5), TOKENIZER);
    }

    private static List<String> prompts() {
        return CLASSES.stream().flatMap(c -> TEMPLATES.stream().map(t -> PromptTemplates.fill(t, c))).toList();
    }

    private static float[][] features(int n) {
        Random r = new Random(3);
        float[][] f = new float[n][6];
        for (float[] row : f) for (int j = 0; j < 6; j++) row[j] = (float) r.nextGaussian();
        return f;
    }

    @Test
    void bagOfWordsScoresAreTheMeanLogProbabilityOfThePromptsWords() {
        ModelEncoder enc = encoder(Objective.BOW);
        float[][] f = features(4);
        double[][] w = enc.model().parameters().get("bow_head.weight").value().toDoubleMatrix();
        double[] b = enc.model().parameters().get("bow_head.bias").value().toDoubleVector();
        List<String> prompts = prompts();
        double[][] got = enc.promptScores(f, prompts);
        for (int i = 0; i < f.length; i++) {
            double[] z = new double[VOCAB];
            for (int v = 0; v < VOCAB; v++) {
                z[v] = b[v];
                for (int e = 0; e < 6; e++) z[v] += w[v][e] * f[i][e];
            }
            double lse = logSumExp(z);
            for (int p = 0; p < prompts.size(); p++) {
                String[] words = prompts.get(p).split(" ");
                double s = 0;
                for (String word : words) s += z[WORDS.indexOf(word) + 1] - lse;
                assertEquals(s / words.length, got[i][p], 1e-5, "image " + i + ", prompt '" + prompts.get(p) + "'");
            }
        }
    }

    @Test
    void captionModelScoresAreThePromptsLogLikelihoodGivenTheImage() {
        ModelEncoder enc = encoder(Objective.CAPTION_LM);
        float[][] f = features(3);
        List<String> prompts = prompts();
        double[][] got = enc.promptScores(f, prompts);
        for (int i = 0; i < f.length; i++) {
            for (int p = 0; p < prompts.size(); p++) {
                // the training loss on one pair is the mean next-token NLL over its words and the end token
                int predicted = prompts.get(p).split(" ").length + 1;
                INDArray tokens = Nd4j.createFromArray(new int[][]{TOKENIZER.tokenize(prompts.get(p), 8, false)});
                double loss = enc.model().captionHead().lossAndBackward(Nd4j.createFromArray(new float[][]{f[i]}), tokens).loss();
                assertEquals(-loss * predicted, got[i][p], 1e-4, "image " + i + ", prompt '" + prompts.get(p) + "'");
            }
        }
    }

    @Test
    void classScoresAverageTheirTemplatesAndEvaluationsPredictTheirArgmax() throws Exception {
        for (Objective o : List.of(Objective.BOW, Objective.CAPTION_LM)) {
            ModelEncoder enc = encoder(o);
            LabelledImageDataset data = dataset(9);
            Evaluations.FeatureSource src = new Evaluations.FeatureSource(enc, 4, null, "tiny");
            float[][] f = src.images(data);
            double[][] perPrompt = enc.promptScores(f, prompts());
            int correct = 0;
            for (int i = 0; i < f.length; i++) {
                int best = 0;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < CLASSES.size(); c++) {
                    double s = (perPrompt[i][2 * c] + perPrompt[i][2 * c + 1]) / 2;
                    if (s > bestScore) {
                        bestScore = s;
                        best = c;
                    }
                }
                if (best == data.label(i)) correct++;
            }
            EvalReport r = Evaluations.zeroShot(src, data, TEMPLATES, "tiny " + o);
            assertEquals(correct / 9.0, r.metrics().get("top1"), 1e-12, o.toString());
            // and the cosine path is refused with the objective named
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> enc.encodeTexts(List.of("a red circle")));
            assertTrue(e.getMessage().contains("objective " + o.id()), e.getMessage());
            IllegalArgumentException re = assertThrows(IllegalArgumentException.class,
                    () -> Evaluations.retrieval(src, (ImageCaptionPairs) null, "tiny"));
            assertTrue(re.getMessage().contains("retrieval needs a contrastive model"), re.getMessage());
        }
    }

    private static LabelledImageDataset dataset(int n) {
        return new LabelledImageDataset() {
            @Override public String name() { return "tiny"; }
            @Override public List<String> classNames() { return CLASSES; }
            @Override public int size() { return n; }
            @Override public int label(int i) { return i % CLASSES.size(); }
            @Override public String fingerprint() { return "tiny" + n; }

            @Override
            public BufferedImage image(int i) {
                BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
                Random r = new Random(i);
                for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.setRGB(x, y, r.nextInt(0xFFFFFF));
                return img;
            }
        };
    }

    private static double logSumExp(double[] z) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (double v : z) m = Math.max(m, v);
        for (double v : z) s += Math.exp(v - m);
        return m + Math.log(s);
    }
}
