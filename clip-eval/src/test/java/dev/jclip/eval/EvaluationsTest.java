package dev.jclip.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.ImageCaptionPairs;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.eval.features.FeatureCache;
import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.zeroshot.ZeroShotClassifier;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class EvaluationsTest {
    @TempDir
    Path dir;

    public static void solid(Path p, int rgb, int w, int h) throws IOException {
        Files.createDirectories(p.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
        ImageIO.write(img, "png", p.toFile());
    }

    /** blue/ has a green image; everything else is in the right folder. */
    public static Path colourFolder(Path dir) throws IOException {
        Path root = dir.resolve("colours");
        solid(root.resolve("red/1.png"), 0xff0000, 20, 12);
        solid(root.resolve("red/2.png"), 0xee1100, 12, 20);
        solid(root.resolve("red/3.png"), 0xff0000, 9, 9);
        solid(root.resolve("green/1.png"), 0x00ff00, 16, 16);
        solid(root.resolve("green/2.png"), 0x10f000, 16, 16);
        solid(root.resolve("blue/1.png"), 0x0000ff, 16, 16);
        solid(root.resolve("blue/2.png"), 0x00ff00, 16, 16);
        return root;
    }

    @Test
    void zeroShotOnKnownGeometryWithCaching() throws IOException {
        LabelledImageDataset d = DatasetSpec.open(colourFolder(dir).toString(), null);
        assertEquals(List.of("blue", "green", "red"), d.classNames());
        ColourEncoder enc = new ColourEncoder(8);
        FeatureCache cache = new FeatureCache(dir.resolve("cache"));
        Evaluations.FeatureSource src = new Evaluations.FeatureSource(enc, 3, cache, "colour-v1");
        EvalReport r = Evaluations.zeroShot(src, d, List.of("a photo of a {}."), "colour");
        assertEquals(6.0 / 7, r.metrics().get("top1"), 1e-12);
        assertEquals(1.0, r.metrics().get("top5"), 1e-12);
        assertEquals((0.5 + 1 + 1) / 3, r.metrics().get("mean_per_class_recall"), 1e-12);
        long[][] expected = {{1, 1, 0}, {0, 2, 0}, {0, 0, 3}};
        for (int c = 0; c < 3; c++) assertArrayEquals(expected[c], r.classification().confusion()[c]);
        assertEquals(List.of(3, 3, 1), enc.imageBatchSizes);
        // Second run: image features come from the cache.
        Evaluations.zeroShot(src, d, List.of("a photo of a {}."), "colour");
        assertEquals(3, enc.imageCalls);
        // A different model key misses the cache.
        Evaluations.zeroShot(new Evaluations.FeatureSource(enc, 8, cache, "colour-v2"), d, List.of("a photo of a {}."), "colour");
        assertEquals(4, enc.imageCalls);
    }

    /** Prompt ensembling averages unit vectors: a prompt with a longer raw vector must not dominate. */
    @Test
    void promptEnsembleAveragesNormalisedEmbeddings() {
        ColourEncoder enc = new ColourEncoder(8) {
            @Override
            public float[][] encodeTexts(List<String> texts) {
                float[][] out = super.encodeTexts(texts);
                for (int i = 0; i < texts.size(); i++) {
                    if (texts.get(i).startsWith("big")) for (int j = 0; j < 3; j++) out[i][j] *= 100;
                }
                return out;
            }
        };
        double[][] w = ZeroShotClassifier.classWeights(new FeatureExtractor(enc, 4), List.of("red", "teal"), List.of("big {}", "{} and green"));
        // class red: prompts red (x100) and red again ("red and green" -> first colour word red) -> (1,0,0)
        assertArrayEquals(new double[] {1, 0, 0}, w[0], 1e-12);
        // class teal: unit(0,.5,1) and unit(0,.5,1) -> same; check unit norm and direction
        double s = Math.sqrt(1.25);
        assertArrayEquals(new double[] {0, 0.5 / s, 1 / s}, w[1], 1e-7);
        double[][] w2 = ZeroShotClassifier.classWeights(new FeatureExtractor(enc, 4), List.of("yellow"), List.of("big red {}", "{} blue"));
        // "big red yellow" -> red (1,0,0) x300 ; "yellow blue" -> yellow unit (1,1,0)/sqrt2. Mean of units, renormalised:
        double[] m = {(1 + 1 / Math.sqrt(2)) / 2, (1 / Math.sqrt(2)) / 2, 0};
        double n = Math.hypot(m[0], m[1]);
        assertArrayEquals(new double[] {m[0] / n, m[1] / n, 0}, w2[0], 1e-7);
    }

    @Test
    void retrievalOnKnownGeometry() throws IOException {
        solid(dir.resolve("i/red.png"), 0xff0000, 10, 10);
        solid(dir.resolve("i/green.png"), 0x00ff00, 10, 10);
        solid(dir.resolve("i/blue.png"), 0x0000ff, 10, 10);
        Path csv = dir.resolve("pairs.csv");
        // red image: "red thing", "yellow" (yellow is as close to green as to red -> never a red hit alone)
        // green image: "yellow thing" (ties red vs green image: counts against); blue image: "teal", "blue"
        Files.writeString(csv, "image,caption\ni/red.png,red thing\ni/red.png,yellow\ni/green.png,yellow thing\ni/blue.png,teal\ni/blue.png,blue\n");
        ImageCaptionPairs pairs = new ImageCaptionPairs(csv);
        EvalReport r = Evaluations.retrieval(new Evaluations.FeatureSource(new ColourEncoder(8), 2, null, "c"), pairs, "colour");
        // image->text: red: best caption "red thing" (1.0) is top -> hit@1. green: best correct "yellow thing" (0.707),
        // wrong "yellow" ties at 0.707 -> rank 1 (and "teal" 0.447 below) -> miss@1, hit@5. blue: "blue" 1.0 top -> hit.
        assertEquals(2.0 / 3, r.metrics().get("image_to_text_R@1"), 1e-12);
        assertEquals(1.0, r.metrics().get("image_to_text_R@5"), 1e-12);
        // text->image: "red thing"->red hit; "yellow"->red ties with green -> miss@1; "yellow thing"->green ties red -> miss@1;
        // "teal"->blue (0.894) beats green (0.447) -> hit; "blue"->blue hit.
        assertEquals(3.0 / 5, r.metrics().get("text_to_image_R@1"), 1e-12);
        assertEquals(1.0, r.metrics().get("text_to_image_R@5"), 1e-12);
        assertEquals(1.0, r.metrics().get("text_to_image_R@10"), 1e-12);
        assertEquals(3, r.settings().get("num_images"));
        assertEquals(5, r.settings().get("num_captions"));
    }
}
