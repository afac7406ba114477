package dev.jclip.cli.commands;

import dev.jclip.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.image.RgbImage;
import dev.jclip.data.shards.ShardSizes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandsTest {
    @TempDir
    Path dir;

    /** Runs a command and returns what it printed on stdout (the command tests of this package share it). */
    static String run(java.util.concurrent.Callable<Integer> c, String... argv) throws Exception {
        CliRun run = CliRun.capture(() -> Main.invoke(c, List.of(argv)));
        assertEquals(0, run.code(), run.err());
        return run.out();
    }

    private Path manifest() throws Exception {
        Files.createDirectories(dir.resolve("imgs"));
        StringBuilder tsv = new StringBuilder("filepath\ttitle\n");
        for (int i = 0; i < 5; i++) {
            byte[] px = new byte[(10 + i) * 8 * 3];
            java.util.Arrays.fill(px, (byte) (40 * i));
            Files.write(dir.resolve("imgs/" + i + ".png"), ImageEncoder.png(new RgbImage(10 + i, 8, px)));
            tsv.append("imgs/").append(i).append(".png\t").append("word ".repeat(i + 1).strip()).append('\n');
        }
        tsv.append("imgs/missing.png\tno file\n");
        tsv.append("imgs/0.png\t\n");
        Path m = dir.resolve("pairs.tsv");
        Files.writeString(m, tsv);
        return m;
    }

    @Test
    void makeShardsThenStatsReadThemBack() throws Exception {
        Path m = manifest();
        Path out = dir.resolve("shards");
        JsonNode made = new ObjectMapper().readTree(run(new MakeShardsCommand(), "--csv", m.toString(), "--output", out.toString(),
                "--samples-per-shard", "2"));
        assertEquals(5, made.get("samples").asInt());
        assertEquals(3, made.get("shards").asInt());
        assertEquals(1, made.get("skipped").get("missing_image").asInt());
        assertEquals(1, made.get("skipped").get("missing_caption").asInt());
        assertEquals(Map.of("shard-00000.tar", 2, "shard-00001.tar", 2, "shard-00002.tar", 1), ShardSizes.read(out));

        JsonNode stats = new ObjectMapper().readTree(run(new DataStatsCommand(), "--data", out + "/shard-{00000..00002}.tar::" + out + "/nope.tar",
                "--image-size", "16", "--workers", "2", "--batch-size", "2"));
        assertEquals(5, stats.get("samples").asInt());
        assertEquals(3, stats.get("shards").asInt());
        assertEquals(1, stats.get("skipped").get("shard_unreadable").asInt());
        JsonNode w = stats.get("image_sizes").get("width");
        assertEquals(10, w.get("min").asInt());
        assertEquals(14, w.get("max").asInt());
        assertEquals(12.0, w.get("mean").asDouble(), 1e-9);
        assertEquals(8, stats.get("image_sizes").get("height").get("max").asInt());
        JsonNode tok = stats.get("caption_tokens"); // 1..5 words plus start and end
        assertEquals(3, tok.get("min").asInt());
        assertEquals(7, tok.get("max").asInt());
        assertEquals(5.0, tok.get("mean").asDouble(), 1e-9);
    }

    @Test
    void statsReadsAManifestDirectly() throws Exception {
        Path m = manifest();
        JsonNode stats = new ObjectMapper().readTree(run(new DataStatsCommand(), "--csv", m.toString(), "--sep", "\\t",
                "--image-size", "8", "--workers", "1", "--vocab",
                dev.jclip.cli.testing.OpenAiVocabFile.path()));
        assertEquals(5, stats.get("samples").asInt());
        assertEquals(1, stats.get("shards").asInt());
        assertEquals(Map.of("missing_image", 1, "missing_caption", 1),
                new ObjectMapper().convertValue(stats.get("skipped"), Map.class));
        // OpenAI's BPE: every caption has at least a start token, one word and the end token
        assertTrue(stats.get("caption_tokens").get("min").asInt() >= 3);
    }

    @Test
    void badOptionsAreUsageErrors() throws Exception {
        Path m = manifest();
        assertThrows(UsageException.class, () -> Main.invoke(new DataStatsCommand(), List.of("--image-size", "8")));
        assertThrows(UsageException.class, () -> Main.invoke(new DataStatsCommand(), List.of("--csv", m.toString(), "--caption-col", "nope")));
        assertThrows(UsageException.class, () -> Main.invoke(new MakeShardsCommand(), List.of("--csv", m.toString(), "--output", "x", "--sep", "ab")));
        assertThrows(UsageException.class, () -> Main.invoke(new MakeShardsCommand(), List.of("--csv", m.toString(), "--output", "x", "--bogus", "1")));
    }

    @Test
    void benchLoaderRunsAndReportsThroughput() throws Exception {
        String out = run(new BenchLoaderCommand(), "--samples", "24", "--source-size", "48", "--image-size", "32",
                "--workers", "1,2", "--batch-size", "8", "--repeats", "1");
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.strip().split("\n")) lines.add(new ObjectMapper().readTree(l));
        assertEquals(4, lines.size(), out);
        assertEquals("loader", lines.get(2).get("bench").asText());
        assertEquals(24, lines.get(2).get("images").asInt());
        assertEquals(2, lines.get(3).get("workers").asInt());
        assertTrue(lines.get(3).get("images_per_s").asDouble() > 0);
        // the training augmentation of clip train --aug-cfg, measured the same way
        String jitter = run(new BenchLoaderCommand(), "--samples", "8", "--source-size", "48", "--image-size", "32", "--workers", "1",
                "--batch-size", "8", "--repeats", "1", "--aug-cfg", "color_jitter=(0.4,0.4,0.4,0.1) color_jitter_prob=0.8");
        assertEquals(8, new ObjectMapper().readTree(jitter.strip().split("\n")[2]).get("images").asInt());
        UsageException bad = assertThrows(UsageException.class, () -> Main.invoke(new BenchLoaderCommand(), List.of("--aug-cfg", "colour=1")));
        assertTrue(bad.getMessage().contains("--aug-cfg: unknown key 'colour'"), bad.getMessage());
    }

    /** --files: one line per format found, each with its own count and sizes, and the machine's facts. */
    @Test
    void benchLoaderTimesRealFilesPerFormat() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        java.awt.image.BufferedImage rgba = new java.awt.image.BufferedImage(120, 80, java.awt.image.BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 120; x++) rgba.setRGB(x, y, ((x * 2) << 24) | (y << 16) | (x << 8) | 77);
        Files.write(images.resolve("a.png"), ImageEncoder.write(rgba, "png", 1f));
        byte[] rgb = new byte[100 * 60 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        Files.write(images.resolve("b.jpg"), ImageEncoder.jpeg(new RgbImage(100, 60, rgb), 0.9f));
        Files.write(images.resolve("c.jpeg"), ImageEncoder.jpeg(new RgbImage(60, 100, rgb), 0.9f));
        Files.writeString(images.resolve("notes.txt"), "not an image");
        String out = run(new BenchLoaderCommand(), "--files", images.toString(), "--eval", "--image-size", "32", "--repeats", "1");
        List<JsonNode> lines = new ArrayList<>();
        for (String l : out.strip().split("\n")) lines.add(new ObjectMapper().readTree(l));
        assertEquals(2, lines.size(), out);
        assertEquals("jpg", lines.get(0).get("format").asText());
        assertEquals(2, lines.get(0).get("files").asInt());
        assertEquals(0.01, lines.get(0).get("mean_megapixels").asDouble(), 1e-9); // 6,000 pixels each
        assertEquals("png", lines.get(1).get("format").asText());
        assertEquals(1, lines.get(1).get("files").asInt());
        for (JsonNode l : lines) {
            assertEquals("files", l.get("bench").asText());
            assertTrue(l.get("images_per_cpu_s").asDouble() > 0, out);
            assertTrue(l.has("resize_center_crop_cpu_ms_per_image"), out);
            assertEquals(dev.jclip.core.Machine.cpuModel(), l.get("cpu_model").asText());
        }
        Path empty = Files.createDirectories(dir.resolve("empty"));
        UsageException none = assertThrows(UsageException.class, () -> Main.invoke(new BenchLoaderCommand(), List.of("--files", empty.toString())));
        assertTrue(none.getMessage().contains("no .jpg, .jpeg or .png files"), none.getMessage());
    }
}
