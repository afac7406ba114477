package dev.jclip.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.eval.ImageTextEncoder;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

public class EvalCommandsTest {
    @TempDir
    Path dir;

    /** 8x8 greyscale images: class c has a bright 4x4 block in quadrant c, plus noise. */
    public static void writeIdx(Path prefixDir, String prefix, int n, long seed) throws IOException {
        Random rnd = new Random(seed);
        int[] labels = new int[n];
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(prefixDir.resolve(prefix + "-images-idx3-ubyte.gz"))))) {
            out.writeInt(0x803);
            out.writeInt(n);
            out.writeInt(8);
            out.writeInt(8);
            for (int i = 0; i < n; i++) {
                labels[i] = i % 4;
                int qr = labels[i] / 2 * 4;
                int qc = labels[i] % 2 * 4;
                for (int r = 0; r < 8; r++) {
                    for (int c = 0; c < 8; c++) {
                        boolean on = r >= qr && r < qr + 4 && c >= qc && c < qc + 4;
                        out.write(Math.max(0, Math.min(255, (on ? 140 : 60) + (int) (70 * rnd.nextGaussian()))));
                    }
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(prefixDir.resolve(prefix + "-labels-idx1-ubyte")))) {
            out.writeInt(0x801);
            out.writeInt(n);
            for (int l : labels) out.write(l);
        }
    }

    @Test
    void pixelProbeOnIdxWritesJsonAndCharts() throws Exception {
        writeIdx(dir, "train", 200, 1);
        writeIdx(dir, "t10k", 80, 2);
        Path names = dir.resolve("names.txt");
        Files.writeString(names, "top left\ntop right\nbottom left\nbottom right\n");
        Path out = dir.resolve("res/probe.json");
        int rc = Main.invoke(new EvalLinearProbeCommand(), List.of("--pixels", "--dataset", "idx:" + dir.resolve("train"),
                "--test-dataset", "idx:" + dir.resolve("t10k"), "--classnames", names.toString(), "--min-log-c", "-2", "--max-log-c", "2",
                "--refinements", "1", "--output", out.toString(), "--clip-benchmark", dir.resolve("cb").toString(), "--benchmark-dataset", "quadrants"));
        assertEquals(0, rc);
        JsonNode doc = new ObjectMapper().readTree(out.toFile());
        JsonNode cb = new ObjectMapper().readTree(dir.resolve("cb/quadrants_none_raw-pixels_en_linear_probe.json").toFile());
        assertEquals(doc.get("linear_probe_top1").asDouble(), cb.get("metrics").get("lp_acc1").asDouble(), 0);
        assertTrue(cb.get("metrics").get("lp_acc5").isNull(), "four classes");
        double top1 = doc.get("linear_probe_top1").asDouble();
        assertTrue(top1 > 0.8, "quadrant blocks are linearly separable enough, got " + top1);
        assertEquals("raw-pixels", doc.get("model").asText());
        assertEquals(64, doc.get("settings").get("feature_dim").asInt());
        assertEquals(80, doc.get("settings").get("test_samples").asInt());
        assertEquals("top left", doc.get("class_names").get(0).asText());
        for (String f : List.of("probe.md", "probe-confusion.png", "probe-per-class.png", "probe-probe-c.png")) {
            assertTrue(Files.size(dir.resolve("res").resolve(f)) > 100, f);
        }
    }

    @Test
    void pixelProbeWithoutTestSetSplitsAndLimits() throws Exception {
        writeIdx(dir, "train", 200, 3);
        Path out = dir.resolve("p.json");
        Main.invoke(new EvalLinearProbeCommand(), List.of("--pixels", "--dataset", dir.resolve("train-images-idx3-ubyte.gz").toString(),
                "--test-fraction", "0.25", "--train-limit", "100", "--min-log-c", "0", "--max-log-c", "1", "--refinements", "0",
                "--output", out.toString()));
        JsonNode s = new ObjectMapper().readTree(out.toFile()).get("settings");
        assertEquals(100, s.get("train_samples").asInt());
        assertEquals(4 * 13, s.get("test_samples").asInt()); // round(0.25 * 50) per class
    }

    @Test
    void dataAndOptionErrorsComeBeforeTheModelAndTheVocabularyReachesTheLoader() throws Exception {
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "x");
        solid(dir.resolve("ds/red/a.png"), 0xff0000);
        solid(dir.resolve("ds/red/b.png"), 0xff0000);
        solid(dir.resolve("ds/blue/a.png"), 0x0000ff);
        solid(dir.resolve("ds/blue/b.png"), 0x0000ff);
        String ds = dir.resolve("ds").toString();
        // Data errors are reported before any model is loaded.
        EncoderLoader never = (c, v) -> {
            throw new AssertionError("model loaded before the data was checked");
        };
        IOException io = assertThrows(IOException.class, () -> Main.invoke(new EvalZeroShotCommand().withLoader(never),
                List.of("--checkpoint", ckpt.toString(), "--dataset", dir.resolve("nowhere").toString())));
        assertTrue(io.getMessage().contains("nowhere"), io.getMessage());
        // --vocab reaches the loader with the checkpoint
        Path vocab = Files.writeString(dir.resolve("vocab.txt.gz"), "v");
        Path[] seen = new Path[2];
        EncoderLoader fake = (c, v) -> {
            seen[0] = c;
            seen[1] = v;
            return new FakeEncoder();
        };
        assertEquals(0, Main.invoke(new EvalZeroShotCommand().withLoader(fake),
                List.of("--checkpoint", ckpt.toString(), "--dataset", ds, "--vocab", vocab.toString(), "--no-cache")));
        assertEquals(ckpt, seen[0]);
        assertEquals(vocab, seen[1]);
        // the real loader refuses a file that is no checkpoint
        assertThrows(RuntimeException.class, () -> Main.invoke(new EvalLinearProbeCommand(),
                List.of("--checkpoint", ckpt.toString(), "--dataset", ds, "--test-fraction", "0.5", "--no-cache")));
        UsageException u = assertThrows(UsageException.class, () -> Main.invoke(new EvalLinearProbeCommand(),
                List.of("--pixels", "--dataset", dir.toString(), "--bach-size", "3")));
        assertTrue(u.getMessage().contains("bach-size"), u.getMessage());
        assertThrows(UsageException.class, () -> Main.invoke(new EvalLinearProbeCommand(), List.of("--dataset", dir.toString())));
    }

    static void solid(Path p, int rgb) throws IOException {
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(12, 10, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) for (int x = 0; x < 12; x++) img.setRGB(x, y, rgb);
        ImageIO.write(img, "png", p.toFile());
    }

    /** Image feature: mean of each input channel (monotone in the colour); text feature: a colour word's direction. */
    static final class FakeEncoder implements ImageTextEncoder {
        int imageCalls;

        public int imageSize() {
            return 8;
        }

        public float[][] encodeImages(INDArray images) {
            imageCalls++;
            float[][] out = new float[(int) images.size(0)][3];
            for (int i = 0; i < out.length; i++) {
                for (int c = 0; c < 3; c++) {
                    out[i][c] = images.get(NDArrayIndex.point(i), NDArrayIndex.point(c)).meanNumber().floatValue() > 0 ? 1 : 0;
                }
            }
            return out;
        }

        public float[][] encodeTexts(List<String> texts) {
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                String t = texts.get(i);
                out[i] = t.contains("red") ? new float[] {1, 0, 0} : t.contains("green") ? new float[] {0, 1, 0} : new float[] {0, 0, 1};
            }
            return out;
        }
    }

    @Test
    void zeroShotAndRetrievalThroughTheLoader() throws Exception {
        solid(dir.resolve("ds/red/a.png"), 0xff0000);
        solid(dir.resolve("ds/green/a.png"), 0x00ff00);
        solid(dir.resolve("ds/blue/a.png"), 0x0000ff);
        solid(dir.resolve("ds/blue/b.png"), 0xff0000); // mislabelled
        Path ckpt = Files.writeString(dir.resolve("m.ckpt"), "weights");
        FakeEncoder enc = new FakeEncoder();
        EncoderLoader loader = (c, v) -> enc;
        Path templates = Files.writeString(dir.resolve("t.txt"), "# prompts\na photo of a {}.\nsomething {}\n");
        Path out = dir.resolve("zs.json");
        List<String> argv = List.of("--checkpoint", ckpt.toString(), "--dataset", dir.resolve("ds").toString(), "--templates", templates.toString(),
                "--cache", dir.resolve("cache").toString(), "--output", out.toString());
        assertEquals(0, Main.invoke(new EvalZeroShotCommand().withLoader(loader), argv));
        JsonNode doc = new ObjectMapper().readTree(out.toFile());
        assertEquals(0.75, doc.get("top1").asDouble(), 1e-12);
        assertEquals(2, doc.get("settings").get("templates").size());
        Main.invoke(new EvalZeroShotCommand().withLoader(loader), argv);
        assertEquals(1, enc.imageCalls, "second run reads the feature cache");

        Path pairs = Files.writeString(dir.resolve("pairs.tsv"), "image\tcaption\nds/red/a.png\tred\nds/green/a.png\tgreen\nds/blue/a.png\tblue\nds/blue/a.png\tnavy blue\n");
        Path rout = dir.resolve("ret.json");
        Main.invoke(new EvalRetrievalCommand().withLoader(loader), List.of("--checkpoint", ckpt.toString(), "--data", pairs.toString(), "--no-cache", "--output", rout.toString()));
        JsonNode r = new ObjectMapper().readTree(rout.toFile());
        assertEquals(1.0, r.get("image_to_text_R@1").asDouble(), 1e-12);
        assertEquals(1.0, r.get("text_to_image_R@1").asDouble(), 1e-12);
        assertEquals(3, r.get("settings").get("num_images").asInt());
    }

    /** Records the prompts a zero-shot run embeds. */
    static final class RecordingEncoder implements ImageTextEncoder {
        final FakeEncoder inner = new FakeEncoder();
        final java.util.ArrayList<String> texts = new java.util.ArrayList<>();

        public int imageSize() {
            return inner.imageSize();
        }

        public float[][] encodeImages(INDArray images) {
            return inner.encodeImages(images);
        }

        public float[][] encodeTexts(List<String> t) {
            texts.addAll(t);
            return inner.encodeTexts(t);
        }
    }

    @Test
    void suiteGivesThePapersClassNamesSynonymsAndTemplates() throws Exception {
        List<String> folders = List.of("0-angry", "1-disgusted", "2-fearful", "3-happy", "4-sad", "5-surprised", "6-neutral");
        for (String f : folders) solid(dir.resolve("fer").resolve(f).resolve("a.png"), 0xff0000);
        Path ckpt = Files.writeString(dir.resolve("m.ckpt"), "weights");
        RecordingEncoder enc = new RecordingEncoder();
        Path out = dir.resolve("fer.json");
        List<String> base = List.of("--checkpoint", ckpt.toString(), "--dataset", dir.resolve("fer").toString(), "--no-cache");
        assertEquals(0, Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc),
                concat(base, "--suite", "FacialEmotionRecognition2013", "--output", out.toString(), "--clip-benchmark", dir.toString())));
        JsonNode cb = new ObjectMapper().readTree(dir.resolve("fer2013_m.ckpt_jclip_en_zeroshot_classification.json").toFile());
        assertEquals("fer2013", cb.get("dataset").asText());
        assertEquals(ckpt.toString(), cb.get("pretrained").asText());
        // 12 names (happy/smiling, sad/depressed, surprised/shocked/spooked, neutral/bored, 3 single) x 6 templates
        assertEquals(72, enc.texts.size());
        assertTrue(enc.texts.contains("a photo of a smiling looking face."), enc.texts.toString());
        assertTrue(enc.texts.contains("they look spooked."), enc.texts.toString());
        JsonNode doc = new ObjectMapper().readTree(out.toFile());
        assertEquals("fer2013", doc.get("settings").get("suite").asText());
        assertEquals("happy", doc.get("class_names").get(3).asText());
        assertEquals(6, doc.get("settings").get("templates").size());
        assertEquals("smiling", doc.get("settings").get("class_synonyms").get(3).get(1).asText());
        // --templates still overrides the suite's templates
        enc.texts.clear();
        Path one = Files.writeString(dir.resolve("one.txt"), "{}\n");
        Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc), concat(base, "--suite", "fer2013", "--templates", one.toString()));
        assertEquals(12, enc.texts.size());
        // one source of class names; a suite for another dataset; an unknown suite
        Path names = Files.writeString(dir.resolve("n.txt"), String.join("\n", folders));
        UsageException both = assertThrows(UsageException.class, () -> Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc),
                concat(base, "--suite", "fer2013", "--classnames", names.toString())));
        assertTrue(both.getMessage().contains("--suite"), both.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc), concat(base, "--suite", "cifar10")));
        assertTrue(count.getMessage().contains("10 class names") && count.getMessage().contains("7 classes"), count.getMessage());
        UsageException unknown = assertThrows(UsageException.class,
                () -> Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc), concat(base, "--suite", "imagenet22k")));
        assertTrue(unknown.getMessage().contains("imagenet1k"), unknown.getMessage());
    }

    @Test
    void cifarBatchesAndImagenetFoldersWithTheSuite() throws Exception {
        // CIFAR-10 test batch: 10 images, image i has label i and is all red (i even) or all green (i odd)
        Path cifar = Files.createDirectory(dir.resolve("cifar-10-batches-bin"));
        byte[] batch = new byte[10 * 3073];
        for (int i = 0; i < 10; i++) {
            batch[i * 3073] = (byte) i;
            java.util.Arrays.fill(batch, i * 3073 + 1 + (i % 2) * 1024, i * 3073 + 1 + (i % 2 + 1) * 1024, (byte) 255);
        }
        Files.write(cifar.resolve("test_batch.bin"), batch);
        Path ckpt = Files.writeString(dir.resolve("m.ckpt"), "weights");
        RecordingEncoder enc = new RecordingEncoder();
        Path out = dir.resolve("c.json");
        assertEquals(0, Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc), List.of("--checkpoint", ckpt.toString(),
                "--dataset", "cifar10:" + cifar + ":test", "--suite", "cifar10", "--no-cache", "--output", out.toString())));
        assertEquals(180, enc.texts.size()); // 10 classes x 18 templates
        JsonNode doc = new ObjectMapper().readTree(out.toFile());
        assertEquals(10, doc.get("settings").get("num_samples").asInt());
        assertEquals("airplane", doc.get("class_names").get(0).asText());
        assertEquals("cifar10", EvalOptions.benchmarkDatasetName("cifar10:" + cifar + ":test"));
        assertEquals("cifar100", EvalOptions.benchmarkDatasetName("cifar100:x.bin"));
        assertEquals("fashion-mnist", EvalOptions.benchmarkDatasetName("idx:/usr/share/datasets/fashion-mnist/t10k"));
        assertEquals("pairs", EvalOptions.benchmarkDatasetName("/data/pairs.tsv"));
        // ImageNet layout: WNID folders and the synset map give the labels; the suite gives the names
        Path map = Files.writeString(dir.resolve("LOC_synset_mapping.txt"), "n00000001 red thing\nn00000002 green thing\n");
        solid(dir.resolve("val/n00000002/a.png"), 0x00ff00);
        solid(dir.resolve("val/n00000001/a.png"), 0xff0000);
        Path zs = dir.resolve("in.json");
        Main.invoke(new EvalZeroShotCommand().withLoader((c, v) -> enc), List.of("--checkpoint", ckpt.toString(),
                "--dataset", dir.resolve("val").toString(), "--synsets", map.toString(), "--no-cache", "--output", zs.toString()));
        JsonNode in = new ObjectMapper().readTree(zs.toFile());
        assertEquals("red thing", in.get("class_names").get(0).asText());
        assertEquals(1.0, in.get("top1").asDouble(), 0); // FakeEncoder: "red ..." prompts point at red images
    }

    @Test
    void fewShotOnPixelsAndAgainstAMeasuredZeroShot() throws Exception {
        writeIdx(dir, "train", 120, 5);
        writeIdx(dir, "t10k", 60, 6);
        Path out = dir.resolve("fs/few.json");
        assertEquals(0, Main.invoke(new EvalFewShotCommand(), List.of("--pixels", "--dataset", "idx:" + dir.resolve("train"),
                "--test-dataset", "idx:" + dir.resolve("t10k"), "--shots", "1,8", "--draws", "2", "--min-log-c", "-1", "--max-log-c", "1",
                "--refinements", "0", "--zero-shot-top1", "0.5", "--output", out.toString())));
        JsonNode doc = new ObjectMapper().readTree(out.toFile());
        assertEquals("few-shot", doc.get("task").asText());
        assertEquals(2, doc.get("few_shot").size());
        assertEquals(8, doc.get("few_shot").get(1).get("shots").asInt());
        assertEquals(2, doc.get("few_shot").get(1).get("top1_per_draw").size());
        double one = doc.get("few_shot_top1@1").asDouble();
        double eight = doc.get("few_shot_top1@8").asDouble();
        assertTrue(eight > one, "8 shots " + eight + " against 1 shot " + one);
        assertEquals(0.5, doc.get("zero_shot_top1").asDouble(), 0);
        assertTrue(doc.has("zero_shot_matching_shots"));
        assertTrue(Files.readString(dir.resolve("fs/few.md")).contains("Zero-shot (50.00 % top-1)"));
        // with a model: zero-shot is measured on the test set with the templates
        for (String colour : List.of("red", "green", "blue")) {
            int rgb = colour.equals("red") ? 0xff0000 : colour.equals("green") ? 0x00ff00 : 0x0000ff;
            for (int i = 0; i < 6; i++) solid(dir.resolve("colours/" + colour + "/" + i + ".png"), rgb);
        }
        Path ckpt = Files.writeString(dir.resolve("m.ckpt"), "weights");
        Path mout = dir.resolve("fs/model.json");
        Main.invoke(new EvalFewShotCommand().withLoader((c, v) -> new FakeEncoder()), List.of("--checkpoint", ckpt.toString(),
                "--dataset", dir.resolve("colours").toString(), "--test-fraction", "0.5", "--shots", "1,2", "--draws", "2", "--C", "1",
                "--no-cache", "--output", mout.toString()));
        JsonNode m = new ObjectMapper().readTree(mout.toFile());
        assertEquals(1.0, m.get("zero_shot_top1").asDouble(), 0);
        assertEquals("measured on the test set", m.get("settings").get("zero_shot").asText());
        assertEquals(1.0, m.get("few_shot").get(0).get("C_per_draw").get(0).asDouble(), 0);
        assertThrows(UsageException.class, () -> Main.invoke(new EvalFewShotCommand(), List.of("--pixels", "--dataset", "x", "--shots", "0,2")));
        UsageException repeated = assertThrows(UsageException.class,
                () -> Main.invoke(new EvalFewShotCommand(), List.of("--pixels", "--dataset", "x", "--shots", "2,2")));
        assertTrue(repeated.getMessage().contains("--shots must be distinct"), repeated.getMessage());
        assertThrows(UsageException.class, () -> Main.invoke(new EvalFewShotCommand(), List.of("--pixels", "--dataset", "x", "--suite", "cifar10")));
    }

    static List<String> concat(List<String> a, String... more) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
