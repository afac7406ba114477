package dev.jclip.cli.repro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.api.Clip;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.cli.commands.EvalCommandsTest;
import dev.jclip.cli.demo.FakeEmojiPackages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@code clip repro} command at a tiny size on generated emoji-like packages and generated IDX files (no
 * network): they share one emoji model (4 training steps), trained by the first command and reused by the rest.
 */
class ReproCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    @BeforeAll
    static void data() throws Exception {
        FakeEmojiPackages.write(dir.resolve("emoji"));
    }

    private static List<String> argv(String... extra) {
        List<String> a = new ArrayList<>(List.of("--data", dir.resolve("emoji").toString(), "--cache", dir.resolve("cache").toString(),
                "--output", dir.resolve("out").toString(), "--steps", "4", "--batch-size", "16", "--seed", "3",
                // as DemoCommandTest: 4 of each shape's 8 emoji for validation (the demo's validation probe needs 2 to fit, 2 to test)
                "--validation-fraction", "0.5"));
        a.addAll(List.of(extra));
        return a;
    }

    private static JsonNode run(Callable<Integer> command, String name, String... extra) throws Exception {
        assertEquals(0, Main.invoke(command, argv(extra)));
        Path out = dir.resolve("out").resolve(name);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<img class=\"chart\"") && html.contains("<b>Paper:</b>"), html);
        JsonNode doc = JSON.readTree(out.resolve("figures.json").toFile());
        assertEquals(name, doc.get("finding").asText());
        assertTrue(doc.get("wall_seconds").asDouble() >= 0);
        return doc.get("figures");
    }

    private static Path modelDir() throws Exception {
        try (var s = Files.list(dir.resolve("cache").resolve("repro"))) {
            List<Path> models = s.toList();
            assertEquals(1, models.size(), "one shared model: " + models);
            return models.get(0);
        }
    }

    private static void assertShare(JsonNode figures, String key) {
        assertTrue(figures.has(key), key + " missing in " + figures);
        double v = figures.get(key).asDouble();
        assertTrue(v >= 0 && v <= 1, key + " = " + v);
    }

    @Test
    void promptsTableMatchesAnIndependentZeroShotAndTheModelIsSharedWithFewShot() throws Exception {
        JsonNode f = run(new ReproPromptsCommand(), "prompts");
        for (ReproPromptsCommand.Prompting p : ReproPromptsCommand.promptings()) {
            assertShare(f, "held_out_top1/" + p.key());
            assertShare(f, "validation_top1/" + p.key());
        }
        assertEquals(100 * (f.get("held_out_top1/ensemble_paper").asDouble() - f.get("held_out_top1/bare_label").asDouble()),
                f.get("held_out_gain_over_bare_points/ensemble_paper").asDouble(), 1e-9);

        // the bare-label figure recomputed through the public API: encode the held-out images and the class names, argmax
        Path model = modelDir();
        List<String> rows = Files.readAllLines(model.resolve("data/heldout/zeroshot.csv"));
        List<Path> images = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.substring(1, row.length() - 1).split("\",\"");
            images.add(model.resolve("data/heldout").resolve(cells[0]));
            labels.add(cells[1]);
            if (!classes.contains(cells[1])) classes.add(cells[1]);
        }
        int correct = 0;
        try (Clip clip = Clip.load(model)) {
            INDArray sim = Clip.similarity(clip.encodeImage(images.toArray(Path[]::new)), clip.encodeText(classes.toArray(String[]::new)));
            for (int i = 0; i < images.size(); i++) {
                if (classes.get(sim.getRow(i).argMax().getInt(0)).equals(labels.get(i))) correct++;
            }
        }
        assertEquals((double) correct / images.size(), f.get("held_out_top1/bare_label").asDouble(), 1.0 / images.size() + 1e-9);

        // a second finding reuses the trained model instead of training again
        FileTime trained = Files.getLastModifiedTime(model.resolve("model.safetensors"));
        JsonNode fs = run(new ReproFewShotCommand(), "few-shot", "--shots", "1", "--draws", "3");
        assertEquals(trained, Files.getLastModifiedTime(modelDir().resolve("model.safetensors")));
        // 4 held-out emoji per shape: 2 tested, 1 for C's validation, 1 to draw from
        assertShare(fs, "few_shot_top1@1");
        assertTrue(fs.get("few_shot_top1_std@1").asDouble() >= 0);
        assertShare(fs, "zero_shot_top1");
        assertTrue(Files.isRegularFile(dir.resolve("out/few-shot/few-shot.png")));
    }

    @Test
    void fewShotRefusesMoreShotsThanTheClassesHold() {
        UsageException e = assertThrows(UsageException.class, () -> Main.invoke(new ReproFewShotCommand(), argv("--shots", "1,2")));
        assertTrue(e.getMessage().contains("--shots"), e.getMessage());
    }

    @Test
    void fewShotRefusesRepeatedShotsAndNoDraws() {
        UsageException repeated = assertThrows(UsageException.class, () -> Main.invoke(new ReproFewShotCommand(), argv("--shots", "1,1")));
        assertTrue(repeated.getMessage().contains("--shots must be distinct"), repeated.getMessage());
        UsageException none = assertThrows(UsageException.class, () -> Main.invoke(new ReproFewShotCommand(), argv("--draws", "0")));
        assertTrue(none.getMessage().contains("--draws"), none.getMessage());
    }

    @Test
    void robustnessScoresTheProbeAndZeroShotOnEveryStyle() throws Exception {
        JsonNode f = run(new ReproRobustnessCommand(), "robustness", "--shifted", "twitter,facebook");
        for (String style : List.of("google", "twitter", "facebook")) {
            assertShare(f, "zero_shot_top1/" + style);
            assertShare(f, "probe_top1/" + style);
            assertShare(f, "pixel_probe_top1/" + style);
            assertEquals(100 * (f.get("probe_top1/" + style).asDouble() - f.get("zero_shot_top1/" + style).asDouble()),
                    f.get("adaptation_gain_points/" + style).asDouble(), 1e-9);
        }
        assertEquals(100 * (f.get("probe_top1/google").asDouble() - f.get("probe_top1/twitter").asDouble()),
                f.get("drop_points/probe/twitter").asDouble(), 1e-9);
        assertTrue(Files.isRegularFile(dir.resolve("out/robustness/robustness-facebook.png")));
        assertThrows(UsageException.class, () -> Main.invoke(new ReproRobustnessCommand(), argv("--shifted", "google")));
    }

    @Test
    void limitationPutsThePixelProbeAgainstZeroShot() throws Exception {
        Path idx = dir.resolve("idx");
        Files.createDirectories(idx);
        EvalCommandsTest.writeIdx(idx, "train", 160, 1);
        EvalCommandsTest.writeIdx(idx, "t10k", 60, 2);
        JsonNode f = run(new ReproLimitationCommand(), "limitation", "--fashion-mnist", idx.toString(), "--train-limit", "120", "--test-limit", "40");
        // four classes, each a bright quadrant: pixels separate them well above chance
        assertTrue(f.get("pixel_probe_top1").asDouble() > 0.6, f.toString());
        assertShare(f, "zero_shot_top1/emoji_ensemble");
        assertShare(f, "emoji_feature_probe_top1");
        assertEquals(0, f.get("trained_emoji_named/dress").asInt()); // the generated emoji are shapes
        UsageException e = assertThrows(UsageException.class, () -> Main.invoke(new ReproLimitationCommand(),
                argv("--fashion-mnist", dir.resolve("nowhere").toString())));
        assertTrue(e.getMessage().contains("--fashion-mnist") && e.getMessage().contains("nowhere"), e.getMessage());
    }

    @Test
    void objectivesTrainsEachObjectiveAndReadsTheRatiosOffTheCurves() throws Exception {
        JsonNode f = run(new ReproObjectivesCommand(), "objectives", "--evals", "2", "--eval-images", "0");
        for (String o : List.of("contrastive", "bow", "caption-lm")) {
            assertShare(f, "final_zero_shot_top1/" + o);
            assertShare(f, "best_zero_shot_top1/" + o);
            // 4 steps, an evaluation every 2: after 32 and 64 images of 16
            assertShare(f, "zero_shot_top1/" + o + "@32");
            assertShare(f, "zero_shot_top1/" + o + "@64");
            assertShare(f, "zero_shot_top1_relative/" + o + "@64");
            assertTrue(Files.isRegularFile(dir.resolve("out/objectives/runs").resolve(o).resolve("model.safetensors")), o);
        }
        int ratios = 0;
        for (var it = f.fieldNames(); it.hasNext(); ) if (it.next().matches("efficiency(_at_slower_best)?(_relative)?/.*")) ratios++;
        assertEquals(12, ratios, f.toString());
        // the contrastive model has one zero-shot figure: the same under both headings
        assertEquals(f.get("zero_shot_top1/contrastive@64").asDouble(), f.get("zero_shot_top1_relative/contrastive@64").asDouble(), 0);
        assertTrue(Files.isRegularFile(dir.resolve("out/objectives/objectives.png")));
        assertTrue(Files.isRegularFile(dir.resolve("out/objectives/objectives-relative.png")));
        UsageException e = assertThrows(UsageException.class, () -> Main.invoke(new ReproObjectivesCommand(), argv("--objectives", "bow,bow")));
        assertTrue(e.getMessage().contains("--objectives"), e.getMessage());
    }

    @Test
    void efficiencyRatiosInterpolateBetweenEvaluationsAndBoundWhatIsNeverReached() {
        List<ReproObjectivesCommand.Point> fast = List.of(new ReproObjectivesCommand.Point(1, 100, 0.2),
                new ReproObjectivesCommand.Point(2, 200, 0.5), new ReproObjectivesCommand.Point(3, 300, 0.4));
        List<ReproObjectivesCommand.Point> slow = List.of(new ReproObjectivesCommand.Point(1, 100, 0.1),
                new ReproObjectivesCommand.Point(2, 200, 0.3), new ReproObjectivesCommand.Point(3, 300, 0.6));
        // the fast curve's best, 0.5, at 200 images; the slow one crosses 0.5 between 200 (0.3) and 300 (0.6): 266.7
        ReproObjectivesCommand.Ratio r = ReproObjectivesCommand.ratio(fast, slow);
        assertEquals(0.5, r.target(), 0);
        assertEquals(200, r.fastImages(), 1e-9);
        assertEquals(200 + 100 * 0.2 / 0.3, r.slowImages(), 1e-9);
        assertTrue(!r.lowerBound());
        assertEquals((200 + 100 * 0.2 / 0.3) / 200, r.value(), 1e-12);
        // reversed: 0.6 is never reached by the other curve, so all its 300 images over 300 is a lower bound
        ReproObjectivesCommand.Ratio b = ReproObjectivesCommand.ratio(slow, fast);
        assertTrue(b.lowerBound());
        assertEquals(1.0, b.value(), 1e-12);
        assertEquals(100, ReproObjectivesCommand.imagesToReach(fast, 0.1), 0);
        // at the slower curve's best, 0.5 for the first: the fast one... reversed roles: slow's best 0.6 at 300, never
        // reached by fast (NaN images for it is not a number to divide by, so its images are all it saw, 300)
        ReproObjectivesCommand.Ratio s = ReproObjectivesCommand.ratioAtSlowerBest(fast, List.of(new ReproObjectivesCommand.Point(1, 100, 0.1),
                new ReproObjectivesCommand.Point(2, 400, 0.3)));
        // target 0.3: the slow curve first has it at 400; the fast one crosses 0.3 between 100 (0.2) and 200 (0.5): 133.3
        assertEquals(0.3, s.target(), 0);
        assertEquals(100 + 100 / 3.0, s.fastImages(), 1e-9);
        assertEquals(400, s.slowImages(), 0);
        assertTrue(!s.lowerBound());
        // reached at the fast curve's first evaluation: a lower bound
        assertTrue(ReproObjectivesCommand.ratioAtSlowerBest(fast, List.of(new ReproObjectivesCommand.Point(1, 100, 0.15))).lowerBound());
    }

    @Test
    void progressBarCountsUnitsOfWork() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ReproReport r = new ReproReport("x", "t", "c", new ReproOptions(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        r.progress(1, 4, "first");
        r.progress(4, 4, "done");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("[#######                       ] 1/4 first"), out);
        assertTrue(out.contains("] 4/4 done") && out.endsWith("\n"), out);
    }
}
