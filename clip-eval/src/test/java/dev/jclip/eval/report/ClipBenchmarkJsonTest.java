package dev.jclip.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.eval.ColourEncoder;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.EvaluationsTest;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.ImageCaptionPairs;
import dev.jclip.eval.probe.Lbfgs;
import dev.jclip.eval.probe.LinearProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jclip's results in CLIP_benchmark's shape: exactly its keys, and the values jclip's own report holds. */
class ClipBenchmarkJsonTest {
    private static final Set<String> TOP_LEVEL = Set.of("dataset", "model", "pretrained", "task", "metrics", "language");
    private static final ClipBenchmarkJson.Names NAMES = new ClipBenchmarkJson.Names("cifar10", "ViT-B-32", "openai");

    @TempDir
    Path dir;

    private static Set<String> keys(JsonNode o) {
        Set<String> k = new TreeSet<>();
        o.fieldNames().forEachRemaining(k::add);
        return k;
    }

    private Evaluations.FeatureSource colours() {
        return new Evaluations.FeatureSource(new ColourEncoder(8), 4, null, "colour");
    }

    @Test
    void zeroShotClassification() throws Exception {
        EvalReport r = Evaluations.zeroShot(colours(), DatasetSpec.open(EvaluationsTest.colourFolder(dir).toString(), null),
                List.of("a photo of a {}."), "colour");
        JsonNode doc = new ObjectMapper().readTree(ClipBenchmarkJson.write(r, NAMES, dir.resolve("cb")).toFile());
        assertEquals(TOP_LEVEL, keys(doc));
        assertEquals("cifar10", doc.get("dataset").asText());
        assertEquals("ViT-B-32", doc.get("model").asText());
        assertEquals("openai", doc.get("pretrained").asText());
        assertEquals("zeroshot_classification", doc.get("task").asText());
        assertEquals("en", doc.get("language").asText());
        JsonNode m = doc.get("metrics");
        assertEquals(Set.of("acc1", "acc5", "mean_per_class_recall"), keys(m));
        assertEquals(r.metrics().get("top1"), m.get("acc1").asDouble(), 0);
        assertEquals(6.0 / 7, m.get("acc1").asDouble(), 1e-12);
        assertEquals(r.metrics().get("mean_per_class_recall"), m.get("mean_per_class_recall").asDouble(), 0);
        assertTrue(m.get("acc5").isNull(), "three classes: CLIP_benchmark has no top-5 (NaN), written as null");
        assertTrue(Files.exists(dir.resolve("cb/cifar10_openai_ViT-B-32_en_zeroshot_classification.json")));

        // six classes: top-5 is reported and equals jclip's
        Path six = dir.resolve("six");
        int[] rgb = {0xff0000, 0x00ff00, 0x0000ff, 0xff3300, 0x0080ff, 0xffff00};
        String[] names = {"red", "green", "blue", "crimson", "teal", "yellow"};
        for (int c = 0; c < 6; c++) {
            EvaluationsTest.solid(six.resolve(names[c] + "/1.png"), rgb[c], 8, 8);
            EvaluationsTest.solid(six.resolve(names[c] + "/2.png"), rgb[(c + 1) % 6], 8, 8);
        }
        EvalReport r6 = Evaluations.zeroShot(colours(), DatasetSpec.open(six.toString(), null), List.of("{}"), "colour");
        JsonNode m6 = ClipBenchmarkJson.document(r6, NAMES).get("metrics");
        assertEquals(r6.metrics().get("top5"), m6.get("acc5").asDouble(), 0);
        assertEquals(r6.metrics().get("top1"), m6.get("acc1").asDouble(), 0);
        assertTrue(m6.get("acc1").asDouble() < 1, "half the images are in the wrong folder");
    }

    /** CLIP_benchmark's "image retrieval" is a caption finding its image: jclip's text-to-image recall. */
    @Test
    void retrievalDirectionsAreNotSwapped() throws Exception {
        EvaluationsTest.solid(dir.resolve("i/red.png"), 0xff0000, 10, 10);
        EvaluationsTest.solid(dir.resolve("i/green.png"), 0x00ff00, 10, 10);
        EvaluationsTest.solid(dir.resolve("i/blue.png"), 0x0000ff, 10, 10);
        Path csv = Files.writeString(dir.resolve("pairs.csv"),
                "image,caption\ni/red.png,red thing\ni/red.png,yellow\ni/green.png,yellow thing\ni/blue.png,teal\ni/blue.png,blue\n");
        EvalReport r = Evaluations.retrieval(colours(), new ImageCaptionPairs(csv), "colour");
        JsonNode doc = ClipBenchmarkJson.document(r, new ClipBenchmarkJson.Names("flickr30k", "jclip", "run/model.safetensors"));
        assertEquals(TOP_LEVEL, keys(doc));
        assertEquals("zeroshot_retrieval", doc.get("task").asText());
        JsonNode m = doc.get("metrics");
        List<String> expected = new ArrayList<>();
        for (String what : List.of("image", "text")) for (int k : new int[] {1, 5, 10}) expected.add(what + "_retrieval_recall@" + k);
        assertEquals(new TreeSet<>(expected), keys(m));
        for (int k : new int[] {1, 5, 10}) {
            assertEquals(r.metrics().get("text_to_image_R@" + k), m.get("image_retrieval_recall@" + k).asDouble(), 0);
            assertEquals(r.metrics().get("image_to_text_R@" + k), m.get("text_retrieval_recall@" + k).asDouble(), 0);
        }
        assertEquals(2.0 / 3, m.get("text_retrieval_recall@1").asDouble(), 1e-12); // images finding a caption
        assertEquals(3.0 / 5, m.get("image_retrieval_recall@1").asDouble(), 1e-12); // captions finding their image
    }

    @Test
    void linearProbeAndFileNames() throws Exception {
        Random rnd = new Random(4);
        int[] ytr = new int[120];
        int[] yte = new int[60];
        float[][] xtr = ReportWriterTest.blobs(rnd, 120, ytr, 6);
        float[][] xte = ReportWriterTest.blobs(rnd, 60, yte, 6);
        EvalReport r = Evaluations.linearProbe(xtr, ytr, xte, yte, List.of("a", "b", "c", "d", "e", "f"),
                new LinearProbe.Settings(0.25, 7, -2, 2, 0, Lbfgs.Settings.defaults()), "blobs", "raw-pixels");
        Path ckpt = Files.writeString(dir.resolve("model.safetensors"), "x");
        ClipBenchmarkJson.Names names = new ClipBenchmarkJson.Names("wds/imagenet1k", "jclip", ckpt.toString());
        JsonNode doc = ClipBenchmarkJson.document(r, names);
        assertEquals(TOP_LEVEL, keys(doc));
        assertEquals("linear_probe", doc.get("task").asText());
        JsonNode m = doc.get("metrics");
        assertEquals(Set.of("lp_acc1", "lp_acc5", "lp_mean_per_class_recall", "fewshot_k", "seed", "normalized"), keys(m));
        assertEquals(r.metrics().get("linear_probe_top1"), m.get("lp_acc1").asDouble(), 0);
        assertEquals(r.metrics().get("linear_probe_top5"), m.get("lp_acc5").asDouble(), 0);
        assertEquals(r.metrics().get("linear_probe_mean_per_class_recall"), m.get("lp_mean_per_class_recall").asDouble(), 0);
        assertEquals(-1, m.get("fewshot_k").asInt());
        assertEquals(7, m.get("seed").asInt());
        assertTrue(m.get("normalized").asBoolean());
        // CLIP_benchmark's default name: '/' in the dataset becomes '_', a checkpoint path its file name
        assertEquals("wds_imagenet1k_model.safetensors_jclip_en_linear_probe.json", ClipBenchmarkJson.fileName(r, names));
        assertThrows(IllegalArgumentException.class, () -> new ClipBenchmarkJson.Names("", "m", "p"));
    }
}
