package dev.jclip.api;

import dev.jclip.core.testing.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clip.load by name (from a local server), from files and run folders; encoding, similarity, zero-shot. */
class ClipTest {
    @TempDir
    Path tmp;
    private LocalServer server;

    @BeforeEach
    void start() throws Exception {
        server = new LocalServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A registry file naming the tiny model served locally, and the environment that points at it. */
    private Map<String, String> registered(boolean quickGelu) throws Exception {
        byte[] weights = Files.readAllBytes(TinyModel.write(tmp.resolve("served.safetensors"), true));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights));
        Path registry = tmp.resolve("registry.json");
        Files.writeString(registry, "{\"models\": [{\"name\": \"ViT-tiny\", \"tag\": \"fixture\", \"url\": \""
                + server.serve("/tiny/model.safetensors", weights) + "\", \"sha256\": \"" + sha + "\", \"config\": "
                + TinyModel.configJson() + ", \"quick_gelu\": " + quickGelu + "}]}");
        return Map.of(PretrainedRegistry.ENV, registry.toString(), ClipOptions.ENV_CACHE, tmp.resolve("cache").toString());
    }

    @Test
    void registeredNameLoadsFromTheServerAndComputesTheFixture() throws Exception {
        ClipOptions options = ClipOptions.fromEnvironment(registered(true));
        Path dir = TinyModel.fixture();
        try (Clip clip = Clip.load("ViT-tiny", "fixture", options)) {
            INDArray fi = clip.encodeImage(Fixtures.npy(dir.resolve("images.npy")));
            assertTrue(Fixtures.maxAbsDiff(fi, Fixtures.npy(dir.resolve("image_features.npy"))) < 1e-4);
            INDArray ft = clip.model().encodeText(Fixtures.npy(dir.resolve("tokens.npy")));
            assertTrue(Fixtures.maxAbsDiff(ft, Fixtures.npy(dir.resolve("text_features.npy"))) < 1e-4);
            // the vocabulary travelled inside the file
            assertEquals(1000, clip.tokenizer().vocabSize());
            assertEquals(998, clip.tokenizer().startToken());
            assertEquals(999, clip.tokenizer().endToken());
        }
        assertEquals(1, server.requests.size());
        try (Clip again = Clip.load("ViT-tiny", "fixture", options.withOffline(true))) {
            assertNotNull(again.tokenizer());
        }
        assertEquals(1, server.requests.size(), "served from the cache");
    }

    @Test
    void theRegisteredActivationIsTheOneUsed() throws Exception {
        // the fixture was computed with QuickGELU: the same weights with the erf GELU compute something else
        try (Clip clip = Clip.load("ViT-tiny", "fixture", ClipOptions.fromEnvironment(registered(false)))) {
            assertTrue(!clip.config().quickGelu());
            INDArray fi = clip.encodeImage(Fixtures.npy(TinyModel.fixture().resolve("images.npy")));
            assertTrue(Fixtures.maxAbsDiff(fi, Fixtures.npy(TinyModel.fixture().resolve("image_features.npy"))) > 1e-3);
        }
    }

    @Test
    void offlineWithEmptyCacheNamesFileAndFolder() throws Exception {
        ClipOptions options = ClipOptions.fromEnvironment(registered(true)).withOffline(true);
        OfflineException e = assertThrows(OfflineException.class, () -> Clip.load("ViT-tiny", "fixture", options));
        assertTrue(e.getMessage().contains(tmp.resolve("cache").resolve("ViT-tiny/fixture/model.safetensors").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("cache folder " + tmp.resolve("cache")), e.getMessage());
        assertTrue(server.requests.isEmpty());
    }

    @Test
    void runFolderUsesItsFinalModelOrNewestCheckpointAndTheVocabularyBesideIt() throws Exception {
        Path run = tmp.resolve("run");
        Files.createDirectories(run.resolve("checkpoints"));
        TinyModel.write(run.resolve("checkpoints/step-00000002.safetensors"), false);
        TinyModel.write(run.resolve("checkpoints/step-00000010.safetensors"), false);
        assertEquals(run.resolve("checkpoints/step-00000010.safetensors"), RunFolder.checkpointOf(run));
        Files.writeString(run.resolve("vocab.txt.gz"), TinyModel.vocabText());
        try (Clip clip = Clip.load(run)) {
            assertEquals(1000, clip.tokenizer().vocabSize(), "found in the run folder, above checkpoints/");
        }
        TinyModel.write(run.resolve("model.safetensors"), true);
        assertEquals(run.resolve("model.safetensors"), RunFolder.checkpointOf(run));

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Exception e = assertThrows(java.nio.file.NoSuchFileException.class, () -> Clip.load(empty));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("step-*"), e.getMessage());
    }

    @Test
    void withoutAVocabularyTextEncodingExplainsWhatIsMissing() throws Exception {
        try (Clip clip = Clip.load(TinyModel.write(tmp.resolve("bare.safetensors"), false))) {
            assertNull(clip.tokenizer());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> clip.encodeText("a cat"));
            assertTrue(e.getMessage().contains("1000") && e.getMessage().contains("vocab.txt.gz"), e.getMessage());
        }
    }

    @Test
    void filesAndBufferedImagesGoThroughClipsPreprocessing() throws Exception {
        try (Clip clip = Clip.load(TinyModel.write(tmp.resolve("m.safetensors"), true))) {
            int s = clip.imageTransform().size();
            BufferedImage square = pattern(s, s, 1);
            BufferedImage wide = pattern(s * 2 + 6, s + 3, 2);
            Path squareFile = tmp.resolve("square.png");
            Path wideFile = tmp.resolve("wide.png");
            ImageIO.write(square, "png", squareFile.toFile());
            ImageIO.write(wide, "png", wideFile.toFile());

            // equal up to float rounding: the Vector API's exp gives other last bits once the JIT compiles it
            // (DESIGN.md, "Machines differ"), so repeated encodings of one input may differ by ~1e-6
            INDArray fromFiles = clip.encodeImage(squareFile, wideFile);
            INDArray fromImages = clip.encodeImage(square, wide);
            assertTrue(Fixtures.maxAbsDiff(fromFiles, fromImages) < 1e-5);
            assertTrue(Fixtures.maxAbsDiff(fromFiles, clip.encodeImage(clip.preprocess(squareFile, wideFile))) < 1e-5);
            assertTrue(Fixtures.maxAbsDiff(fromFiles.getRow(0, true), fromFiles.getRow(1, true)) > 1e-3, "two different images");

            // a square image of the model's size is only normalised: check that by hand
            float[] mean = {0.48145466f, 0.4578275f, 0.40821073f};
            float[] std = {0.26862954f, 0.26130258f, 0.27577711f};
            INDArray pixels = Nd4j.create(DataType.FLOAT, 1, 3, s, s);
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int rgb = square.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        int v = (rgb >> (16 - 8 * c)) & 0xff;
                        pixels.putScalar(new long[]{0, c, y, x}, (v / 255f - mean[c]) / std[c]);
                    }
                }
            }
            INDArray expected = clip.model().encodeImage(pixels);
            assertTrue(Fixtures.maxAbsDiff(fromFiles.getRow(0, true), expected) < 1e-5);
            assertEquals(2, fromFiles.rows());
        }
    }

    private static BufferedImage pattern(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 7 + seed * 40) & 0xff) << 16 | ((y * 5 + 30) & 0xff) << 8 | ((x * y + seed) & 0xff));
        }
        return img;
    }

    @Test
    void similarityAndZeroShotMatchANaiveComputation() throws Exception {
        try (Clip clip = Clip.load(TinyModel.write(tmp.resolve("m.safetensors"), true))) {
            INDArray images = clip.encodeImage(Fixtures.npy(TinyModel.fixture().resolve("images.npy")));
            List<String> classes = List.of("red circle", "blue square", "green triangle");
            List<String> templates = List.of("a {}", "a photo of a {}.");
            double[][] img = images.castTo(DataType.DOUBLE).toDoubleMatrix();

            double[][] weights = new double[classes.size()][];
            for (int c = 0; c < classes.size(); c++) {
                double[] sum = new double[images.columns()];
                for (String t : templates) {
                    double[] f = unit(clip.encodeText(t.replace("{}", classes.get(c))).castTo(DataType.DOUBLE).toDoubleVector());
                    for (int k = 0; k < sum.length; k++) sum[k] += f[k];
                }
                weights[c] = unit(sum);
            }
            ZeroShot zs = clip.zeroShot(classes, templates);
            INDArray probs = zs.probabilities(images);
            double scale = clip.logitScale();
            for (int i = 0; i < img.length; i++) {
                double[] u = unit(img[i]);
                double[] logits = new double[classes.size()];
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < logits.length; c++) {
                    logits[c] = scale * dot(u, weights[c]);
                    max = Math.max(max, logits[c]);
                }
                double z = 0;
                for (double l : logits) z += Math.exp(l - max);
                for (int c = 0; c < logits.length; c++) {
                    assertEquals(Math.exp(logits[c] - max) / z, probs.getDouble(i, c), 1e-4, "image " + i + " class " + c);
                }
            }

            INDArray texts = clip.encodeText("a red circle", "a blue square");
            INDArray sim = Clip.similarity(images, texts);
            double[][] txt = texts.castTo(DataType.DOUBLE).toDoubleMatrix();
            for (int i = 0; i < img.length; i++) {
                for (int j = 0; j < txt.length; j++) assertEquals(dot(unit(img[i]), unit(txt[j])), sim.getDouble(i, j), 1e-5);
            }
            assertThrows(IllegalArgumentException.class, () -> clip.zeroShot(classes, List.of("no placeholder")));

            // a paper suite: its names and templates, synonyms averaged (FER2013's "happy"/"smiling")
            var fer = dev.jclip.eval.zeroshot.ZeroShotSuite.named("fer2013");
            ZeroShot suite = clip.zeroShot(fer);
            assertEquals(fer.classNames(), suite.classNames());
            List<String> prompts = new java.util.ArrayList<>();
            for (String name : fer.classSynonyms().get(3)) for (String t : fer.templates()) prompts.add(t.replace("{}", name));
            double[] happy = new double[images.columns()];
            double[][] emb = clip.encodeText(prompts.toArray(String[]::new)).castTo(DataType.DOUBLE).toDoubleMatrix();
            for (double[] e : emb) {
                double[] u = unit(e);
                for (int k = 0; k < happy.length; k++) happy[k] += u[k];
            }
            happy = unit(happy);
            INDArray p = suite.probabilities(images);
            double[] u0 = unit(img[0]);
            double[] logits = new double[7];
            for (int c = 0; c < 7; c++) {
                double[] w = c == 3 ? happy : unit(sumOfUnits(clip, fer.classSynonyms().get(c), fer.templates()));
                logits[c] = clip.logitScale() * dot(u0, w);
            }
            double max = java.util.Arrays.stream(logits).max().orElseThrow();
            double z = java.util.Arrays.stream(logits).map(l -> Math.exp(l - max)).sum();
            for (int c = 0; c < 7; c++) assertEquals(Math.exp(logits[c] - max) / z, p.getDouble(0, c), 1e-4, "class " + c);
        }
    }

    private static double[] sumOfUnits(Clip clip, List<String> names, List<String> templates) {
        double[] sum = null;
        for (String n : names) {
            for (String t : templates) {
                double[] u = unit(clip.encodeText(t.replace("{}", n)).castTo(DataType.DOUBLE).toDoubleVector());
                if (sum == null) sum = new double[u.length];
                for (int k = 0; k < u.length; k++) sum[k] += u[k];
            }
        }
        return sum;
    }

    private static double[] unit(double[] v) {
        double n = Math.sqrt(dot(v, v));
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] / n;
        return out;
    }

    @Test
    void aCaptionPredictingModelEncodesImagesButRefusesTextFeatures() throws Exception {
        dev.jclip.core.config.ClipConfig cfg = dev.jclip.core.config.ClipConfig.parse(TinyModel.configJson(), "fixture")
                .withObjective(dev.jclip.core.config.Objective.CAPTION_LM);
        Path file = tmp.resolve("caption-lm.safetensors");
        try (dev.jclip.core.model.ClipModel m = dev.jclip.core.model.ClipModel.create(cfg, 1)) {
            Map<String, String> meta = new java.util.LinkedHashMap<>();
            meta.put(dev.jclip.core.io.SafeTensors.CONFIG_KEY, cfg.toJson());
            meta.put(dev.jclip.data.text.ClipTokenizer.METADATA_KEY, TinyModel.vocabText());
            dev.jclip.core.io.SafeTensors.write(m.parameters().stateDict(), meta, file);
        }
        try (Clip clip = Clip.load(file)) {
            assertNotNull(clip.model().captionHead());
            assertEquals(2, clip.encodeImage(Fixtures.npy(TinyModel.fixture().resolve("images.npy"))).rank());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> clip.encodeText("a dog"));
            assertTrue(e.getMessage().contains("objective caption-lm") && e.getMessage().contains("no text embedding"), e.getMessage());
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
