package dev.jclip.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.cli.commands.DemoCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo pipeline end to end on generated emoji-like packages (no npm, no network): data, vocabulary, a few
 * training steps, evaluation, report; then a rerun of the same run folder, which must resume (not retrain).
 */
class DemoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private List<String> argv(Path data, Path run, String... extra) {
        // a ViT, whose validation rows show every kind of probe features (a ResNet has no layers)
        List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--output", run.toString(), "--steps", "4",
                "--batch-size", "16", "--seed", "3", "--model", "ViT-demo-32-wide",
                // 4 of each shape's 8 emoji for validation (2 to fit the validation probe, 2 to test it), 4 to train on
                "--validation-fraction", "0.5"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void runsEndToEndOnGeneratedEmojiAndResumes() throws Exception {
        Path data = dir.resolve("data");
        FakeEmojiPackages.write(data);
        Path run = dir.resolve("run");
        String[] style = {"--validation-style", "facebook", "--aug-cfg", "scale=(0.5,1.0) color_jitter_prob=0.5 gray_scale_prob=0.1"};
        String[] extra = java.util.stream.Stream.concat(java.util.Arrays.stream(style),
                java.util.stream.Stream.of("--probe-features", "pre-projection")).toArray(String[]::new);
        assertEquals(0, Main.invoke(new DemoCommand(), argv(data, run, extra)));
        // the augmentation reaches the trainer
        assertTrue(Files.readString(run.resolve("config.json")).contains("gray_scale_prob=0.1"));

        // training outputs: 4 steps logged, final weights, the checkpoint, the run's vocabulary
        List<String> metricsLines = Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(4, metricsLines.size());
        for (int i = 0; i < 4; i++) {
            JsonNode m = JSON.readTree(metricsLines.get(i));
            assertEquals(i + 1, m.get("step").asInt());
            assertTrue(Double.isFinite(m.get("loss").asDouble()) && m.get("loss").asDouble() > 0);
        }
        assertTrue(Files.isRegularFile(run.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("vocab.txt.gz")));
        assertTrue(Files.list(run.resolve("checkpoints")).findAny().isPresent());

        // the data: every usable emoji but the 16 validation ones once per caption in the shards, the two broken
        // entries left out
        int n = FakeEmojiPackages.usableEmoji() - 16;
        JsonNode dataJson = JSON.readTree(run.resolve("data/data.json").toFile());
        assertEquals(n, dataJson.get("emoji").asInt());
        assertEquals(n, dataJson.get("held_out").asInt());
        assertEquals(16, dataJson.get("validation").asInt());
        assertEquals(16 + 1, Files.readAllLines(run.resolve("data/validation/zeroshot.csv")).size());
        // the same 16 validation emoji in the third style, nothing else of it
        assertEquals(16, dataJson.get("validation_style").asInt());
        List<String> styleRows = Files.readAllLines(run.resolve("data/validation-facebook/zeroshot.csv"));
        assertEquals(Files.readAllLines(run.resolve("data/validation/zeroshot.csv")), styleRows);
        assertEquals(n * DemoRun.DEFAULT_CAPTIONS, dataJson.get("train_samples").asInt());
        assertEquals(n + 1, Files.readAllLines(run.resolve("data/heldout/retrieval.csv")).size());

        // metrics: parse, in range, chance levels from the data's shape (4 subcategories, n candidates)
        JsonNode doc = JSON.readTree(run.resolve("demo-metrics.json").toFile());
        JsonNode metrics = doc.get("metrics");
        JsonNode chance = doc.get("chance");
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = metrics.fieldNames(); it.hasNext(); ) keys.add(it.next());
        assertTrue(keys.containsAll(List.of("zeroshot_top1", "zeroshot_mean_per_class_recall", "zeroshot_top5", "image_to_text_R@1", "image_to_text_R@10",
                "text_to_image_R@5", "linear_probe_top1", "linear_probe_pixels_top1", "validation_zeroshot_top1",
                "validation_zeroshot_top5", "validation_linear_probe_top1", "validation_linear_probe_pixels_top1",
                // the probe reads the pre-projection features (as asked); validation also shows the other kinds
                "validation_linear_probe_projected_top1", "validation_style_linear_probe_projected_top1",
                "validation_linear_probe_pre_projection_patch_mean_top1", "validation_style_linear_probe_pre_projection_patch_mean_top1",
                "validation_linear_probe_pre_projection_layers_top1", "validation_style_linear_probe_pre_projection_layers_top1",
                "validation_style_zeroshot_top1", "validation_style_linear_probe_top1", "validation_style_linear_probe_pixels_top1")),
                keys.toString());
        for (String k : keys) {
            double v = metrics.get(k).asDouble();
            assertTrue(v >= 0 && v <= 1, k + " = " + v);
            double c = chance.get(k).asDouble();
            assertTrue(c > 0 && c <= 1, k + " chance = " + c);
        }
        assertEquals(0.25, chance.get("zeroshot_top1").asDouble(), 1e-12);
        assertEquals(1.0, metrics.get("zeroshot_top5").asDouble(), 1e-12); // 4 classes: the truth is always in the top 5
        assertEquals(1.0 / n, chance.get("image_to_text_R@1").asDouble(), 1e-12);
        assertEquals(10.0 / n, chance.get("text_to_image_R@10").asDouble(), 1e-12);
        // recall can only grow with k
        assertTrue(metrics.get("image_to_text_R@1").asDouble() <= metrics.get("image_to_text_R@5").asDouble());
        assertTrue(metrics.get("image_to_text_R@5").asDouble() <= metrics.get("image_to_text_R@10").asDouble());
        assertEquals(4, doc.get("run").get("steps").asInt());
        assertEquals(n, doc.get("run").get("held_out_images").asInt());

        // the report: self-contained, with the figures of the JSON, the charts and the example images
        String html = Files.readString(run.resolve("report.html"));
        for (String k : keys) {
            String shown = String.format(Locale.ROOT, "<b>%.1f%%</b>", 100 * metrics.get(k).asDouble());
            assertTrue(html.contains(shown), "report lacks " + k + " = " + shown);
        }
        assertTrue(html.contains("Contrastive loss") && html.contains("Learning rate"));
        // the three charts (loss, learning rate, category confusion) are PNGs drawn by clip-eval's Chart, embedded
        java.util.regex.Matcher charts = java.util.regex.Pattern.compile(
                "<img class=\"chart\" width=\"(\\d+)\" height=\"(\\d+)\" alt=\"[^\"]*\" src=\"data:image/png;base64,([^\"]+)\"").matcher(html);
        int count = 0;
        for (; charts.find(); count++) {
            java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                    java.util.Base64.getDecoder().decode(charts.group(3))));
            assertEquals(Integer.parseInt(charts.group(1)), png.getWidth());
            assertEquals(Integer.parseInt(charts.group(2)), png.getHeight());
            int drawn = 0;
            for (int y = 0; y < png.getHeight(); y++) for (int x = 0; x < png.getWidth(); x++) if ((png.getRGB(x, y) & 0xffffff) != 0xffffff) drawn++;
            assertTrue(drawn > png.getWidth() * png.getHeight() / 50, "chart " + count + " is blank");
        }
        assertEquals(3, count, "charts in the report");
        assertTrue(html.contains("data:image/png;base64,"));
        assertTrue(html.contains("Zero-shot predictions (categories)"));
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "report must not load anything");
        assertTrue(html.contains("blue circle") || html.contains("red square") || html.contains("circle"));

        Path pixelCache = run.resolve("data/validation/probe-pixels.json");
        JsonNode cached = JSON.readTree(pixelCache.toFile());
        assertEquals(metrics.get("validation_linear_probe_pixels_top1").asDouble(), cached.get("top1").asDouble(), 1e-12);
        ((com.fasterxml.jackson.databind.node.ObjectNode) cached).put("top1", 0.125);
        Files.writeString(pixelCache, JSON.writeValueAsString(cached));

        // same run folder again: resumes at the end (no new steps), evaluates again with the same figures
        assertEquals(0, Main.invoke(new DemoCommand(), argv(data, run, extra)));
        assertEquals(4, Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).count());
        assertTrue(Files.readString(run.resolve("train.log")).contains("resumed"));
        JsonNode again = JSON.readTree(run.resolve("demo-metrics.json").toFile()).get("metrics");
        for (String k : keys) {
            if (!k.equals("validation_linear_probe_pixels_top1")) assertEquals(metrics.get(k).asDouble(), again.get(k).asDouble(), 1e-9, k);
        }
        // the pixel probe on the validation images does not depend on the model: computed once, then read back
        // (the rerun reports the figure planted in the cache)
        assertEquals(0.125, again.get("validation_linear_probe_pixels_top1").asDouble(), 1e-12);

        // ... but not with settings that would make it another run
        UsageException e = assertThrows(UsageException.class,
                () -> Main.invoke(new DemoCommand(), argv(data, run, "--validation-style", "facebook", "--lr", "0.01")));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
        e = assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), argv(data, run, "--validation-style", "facebook")));
        assertTrue(e.getMessage().contains("aug_cfg"), e.getMessage());

        // the probe features and the prompts only change the evaluation: the same run, evaluated again (no new steps),
        // the two kinds of features trading places in the validation rows, and the generic prompts in zero-shot
        String[] other = java.util.stream.Stream.concat(java.util.Arrays.stream(style),
                java.util.stream.Stream.of("--probe-features", "projected", "--prompts", "generic")).toArray(String[]::new);
        assertEquals(0, Main.invoke(new DemoCommand(), argv(data, run, other)));
        assertEquals(4, Files.readAllLines(run.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).count());
        JsonNode swapped = JSON.readTree(run.resolve("demo-metrics.json").toFile()).get("metrics");
        for (String v : List.of("validation", "validation_style")) {
            assertEquals(metrics.get(v + "_linear_probe_projected_top1").asDouble(), swapped.get(v + "_linear_probe_top1").asDouble(), 1e-12, v);
            assertEquals(metrics.get(v + "_linear_probe_top1").asDouble(), swapped.get(v + "_linear_probe_pre_projection_top1").asDouble(), 1e-12, v);
            assertFalse(swapped.has(v + "_linear_probe_projected_top1"), v);
            for (String kind : List.of("patch_mean", "layers")) {
                String k = v + "_linear_probe_pre_projection_" + kind + "_top1";
                assertEquals(metrics.get(k).asDouble(), swapped.get(k).asDouble(), 1e-12, k);
            }
        }
        assertTrue(Files.readString(run.resolve("eval/zeroshot.json")).contains("an emoji from the {} group"));
        String swappedHtml = Files.readString(run.resolve("report.html"));
        assertTrue(swappedHtml.contains("CLIP image features (projected)") && swappedHtml.contains("an emoji from the {} group"));
        assertTrue(html.contains("CLIP image features (pre-projection)") && html.contains("emoji, {} | : {} | , a {} emoji"));
    }

    @Test
    void smallLimitSkipsTheValidationFigures() throws Exception {
        Path data = dir.resolve("data");
        FakeEmojiPackages.write(data);
        Path run = dir.resolve("run");
        // 8 of the 32 emoji: no shape keeps the 6 a subcategory needs to give validation emoji at the default fraction
        assertEquals(0, Main.invoke(new DemoCommand(), List.of("--data", data.toString(), "--output", run.toString(),
                "--limit", "8", "--steps", "2", "--batch-size", "16", "--seed", "3", "--validation-style", "facebook")));
        assertEquals(0, JSON.readTree(run.resolve("data/data.json").toFile()).get("validation").asInt());
        JsonNode metrics = JSON.readTree(run.resolve("demo-metrics.json").toFile()).get("metrics");
        assertTrue(metrics.has("zeroshot_top1") && metrics.has("linear_probe_pixels_top1"), metrics.toString());
        // the defaults: the RN-demo tower, its probe reading the attention pool's output (128) beside the mean of
        // the last feature map (512 channels)
        JsonNode vision = JSON.readTree(run.resolve("model.json").toFile()).get("vision_cfg");
        assertEquals("[1,1,1,1]", vision.get("layers").toString());
        assertEquals(16, vision.get("width").asInt());
        JsonNode probe = JSON.readTree(run.resolve("eval/probe-model.json").toFile());
        assertEquals(128 + 512, probe.get("settings").get("feature_dim").asInt(), probe.toString());
        for (Iterator<String> it = metrics.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            assertFalse(k.startsWith("validation"), "validation figure without validation data: " + k);
        }
    }

    @Test
    void reportsMissingDataLayout() {
        UsageException e = assertThrows(UsageException.class,
                () -> Main.invoke(new DemoCommand(), argv(dir.resolve("nothing"), dir.resolve("run"))));
        assertTrue(e.getMessage().contains("emoji-datasource-google") && e.getMessage().contains("emoji.json"), e.getMessage());
    }

    @Test
    void rejectsBadOptions() {
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--minutes", "0")));
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--limit", "1")));
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--bogus", "1")));
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--minutes", "2", "--steps", "10")));
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--probe-features", "pooled")));
        UsageException e = assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(),
                List.of("--model", "RN-tiny", "--probe-features", "pre-projection-layers", "--output", dir.resolve("rn").toString())));
        assertTrue(e.getMessage().contains("ViT") && e.getMessage().contains("pre-projection-layers"), e.getMessage());
        assertThrows(UsageException.class, () -> Main.invoke(new DemoCommand(), List.of("--prompts", "fancy")));
    }
}
