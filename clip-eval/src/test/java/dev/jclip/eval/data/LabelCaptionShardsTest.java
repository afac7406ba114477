package dev.jclip.eval.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelCaptionShardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMES = List.of("T-shirt/top", "Trouser", "Bag");
    private static final List<String> TEMPLATES = List.of("a photo of a {}.", "a {} on a plain background.", "a picture of a {}.");

    @TempDir
    Path dir;

    /** One sample read back from a shard: its members by extension. */
    private record Sample(String key, Map<String, byte[]> members) {
    }

    private IdxDataset tinyIdx() throws IOException {
        int[] labels = new int[40];
        for (int i = 0; i < labels.length; i++) labels[i] = (i * 7) % 3;
        DatasetsTest.writeIdx(dir, "tiny", labels.length, 4, 5, labels, true);
        return new IdxDataset(dir.resolve("tiny-images-idx3-ubyte.gz"), dir.resolve("tiny-labels-idx1-ubyte.gz"), NAMES);
    }

    private static List<Sample> readShards(List<Path> shards) throws IOException {
        List<Sample> out = new ArrayList<>();
        for (Path shard : shards) {
            try (InputStream in = Files.newInputStream(shard); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                TarArchiveEntry e;
                while ((e = tar.getNextTarEntry()) != null) {
                    String name = e.getName();
                    String key = name.substring(0, name.indexOf('.'));
                    if (out.isEmpty() || !out.get(out.size() - 1).key().equals(key)) out.add(new Sample(key, new LinkedHashMap<>()));
                    out.get(out.size() - 1).members().put(name.substring(name.indexOf('.') + 1), tar.readAllBytes());
                }
            }
        }
        return out;
    }

    @Test
    void writesCaptionedPngsOfASeededSubset() throws IOException {
        IdxDataset data = tinyIdx();
        LabelCaptionShards.Result r = LabelCaptionShards.write(data, dir.resolve("out"), TEMPLATES, 30, 7, 8, "fm");
        assertEquals(30, r.samples());
        assertEquals(4, r.shards().size(), "30 samples at 8 per shard");
        assertEquals(30, r.perClass()[0] + r.perClass()[1] + r.perClass()[2]);
        JsonNode sizes = JSON.readTree(dir.resolve("out/sizes.json").toFile());
        assertEquals(8, sizes.get("fm-00000.tar").asInt());
        assertEquals(6, sizes.get("fm-00003.tar").asInt());

        List<Sample> samples = readShards(r.shards());
        assertEquals(30, samples.size());
        Set<Integer> sources = new HashSet<>();
        Set<String> templatesUsed = new HashSet<>();
        int[] perClass = new int[3];
        for (int s = 0; s < samples.size(); s++) {
            Sample sample = samples.get(s);
            assertEquals(String.format("%09d", s), sample.key());
            assertEquals(Set.of("png", "txt", "json"), sample.members().keySet());
            JsonNode meta = JSON.readTree(sample.members().get("json"));
            int index = meta.get("source_index").asInt();
            assertTrue(sources.add(index), "sample " + index + " taken twice");
            int label = data.label(index);
            assertEquals(label, meta.get("label").asInt());
            assertEquals(NAMES.get(label), meta.get("class").asText());
            perClass[label]++;
            String template = meta.get("template").asText();
            assertTrue(TEMPLATES.contains(template), template);
            templatesUsed.add(template);
            assertEquals(template.replace("{}", NAMES.get(label)), new String(sample.members().get("txt"), StandardCharsets.UTF_8));
            // the PNG decodes to exactly the source pixels, still greyscale
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(sample.members().get("png")));
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, png.getType());
            byte[] decoded = new byte[20];
            png.getRaster().getDataElements(0, 0, 5, 4, decoded);
            assertArrayEquals(data.pixels(index), decoded, "pixels of source sample " + index);
        }
        assertArrayEquals(r.perClass(), perClass);
        assertEquals(Set.copyOf(TEMPLATES), templatesUsed, "30 draws from 3 templates use every one");
        // a random subset in shuffled order, not the first 30 in file order
        assertNotEquals(List.of(0, 1, 2, 3, 4), samples.subList(0, 5).stream().map(LabelCaptionShardsTest::source).toList());
    }

    private static int source(Sample s) {
        try {
            return JSON.readTree(s.members().get("json")).get("source_index").asInt();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherSamples() throws IOException {
        IdxDataset data = tinyIdx();
        LabelCaptionShards.Result a = LabelCaptionShards.write(data, dir.resolve("a"), TEMPLATES, 0, 3, 100, "s");
        LabelCaptionShards.Result b = LabelCaptionShards.write(data, dir.resolve("b"), TEMPLATES, 0, 3, 100, "s");
        LabelCaptionShards.Result c = LabelCaptionShards.write(data, dir.resolve("c"), TEMPLATES, 0, 4, 100, "s");
        assertEquals(40, a.samples(), "limit 0 takes everything");
        assertArrayEquals(Files.readAllBytes(a.shards().get(0)), Files.readAllBytes(b.shards().get(0)));
        List<Integer> orderA = readShards(a.shards()).stream().map(LabelCaptionShardsTest::source).toList();
        List<Integer> orderC = readShards(c.shards()).stream().map(LabelCaptionShardsTest::source).toList();
        assertEquals(40, Set.copyOf(orderA).size(), "every sample exactly once");
        assertEquals(Set.copyOf(orderA), Set.copyOf(orderC));
        assertNotEquals(orderA, orderC, "another seed gives another order");
    }

    @Test
    void rejectsBadTemplatesAndLimits() throws IOException {
        IdxDataset data = tinyIdx();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelCaptionShards.write(data, dir.resolve("x"), List.of("a photo of a {}", "no placeholder"), 5, 0, 10, "s"));
        assertTrue(e.getMessage().contains("no placeholder"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LabelCaptionShards.write(data, dir.resolve("x"), TEMPLATES, 41, 0, 10, "s"));
        assertTrue(e.getMessage().contains("41") && e.getMessage().contains("tiny-images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LabelCaptionShards.write(data, dir.resolve("x"), List.of(), 5, 0, 10, "s"));
    }
}
