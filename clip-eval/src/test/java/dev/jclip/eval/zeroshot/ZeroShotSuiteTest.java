package dev.jclip.eval.zeroshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.eval.ColourEncoder;
import dev.jclip.eval.features.FeatureExtractor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The shipped suites, parsed from the resource, against the counts and entries OpenAI published. */
class ZeroShotSuiteTest {

    @Test
    void everyPaperDatasetWithItsPublishedCounts() {
        Map<String, int[]> expected = new LinkedHashMap<>(); // name -> {classes, templates}
        expected.put("imagenet1k", new int[] {1000, 80});
        expected.put("cifar10", new int[] {10, 18});
        expected.put("cifar100", new int[] {100, 18});
        expected.put("food101", new int[] {101, 1});
        expected.put("pets", new int[] {37, 1});
        expected.put("stl10", new int[] {10, 2});
        expected.put("mnist", new int[] {10, 1});
        expected.put("sun397", new int[] {397, 2});
        expected.put("caltech101", new int[] {102, 34});
        expected.put("cars", new int[] {196, 8});
        expected.put("fgvc_aircraft", new int[] {100, 2});
        expected.put("dtd", new int[] {47, 8});
        expected.put("flowers", new int[] {102, 1});
        expected.put("country211", new int[] {211, 5});
        expected.put("fer2013", new int[] {7, 6});
        expected.put("kinetics700", new int[] {700, 28});
        expected.put("ucf101", new int[] {101, 48});
        expected.put("birdsnap", new int[] {500, 1});
        Map<String, ZeroShotSuite> byName = ZeroShotSuite.all().stream().collect(Collectors.toMap(ZeroShotSuite::name, s -> s));
        assertEquals(27, byName.size(), "26 datasets of prompts.md plus ImageNet");
        expected.forEach((name, counts) -> {
            ZeroShotSuite s = byName.get(name);
            assertNotNull(s, name);
            assertEquals(counts[0], s.classSynonyms().size(), name + " classes");
            assertEquals(counts[1], s.templates().size(), name + " templates");
        });
    }

    @Test
    void knownEntries() {
        ZeroShotSuite imagenet = ZeroShotSuite.named("imagenet1k");
        assertEquals("ImageNet", imagenet.paperName());
        assertEquals(List.of("tench", "goldfish", "great white shark"), imagenet.classNames().subList(0, 3));
        assertEquals("toilet paper", imagenet.classNames().get(999));
        assertEquals("a bad photo of a {}.", imagenet.templates().get(0));
        assertEquals("a tattoo of the {}.", imagenet.templates().get(79));
        // OpenAI's list names two pairs of classes alike; they are kept as published (998 distinct of 1000).
        assertEquals(998, new HashSet<>(imagenet.classNames()).size());
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                ZeroShotSuite.named("cifar10").classNames());
        assertEquals("a photo of a {}.", ZeroShotSuite.named("cifar10").templates().get(0));
        assertEquals(List.of("a photo of {}, a type of food."), ZeroShotSuite.named("food101").templates());
        assertEquals("apple pie", ZeroShotSuite.named("food101").classNames().get(0));
        assertEquals(List.of("a photo of a {}, a type of pet."), ZeroShotSuite.named("pets").templates());
        assertEquals("worm", ZeroShotSuite.named("cifar100").classNames().get(99));
        assertEquals(List.of("a photo of the number: \"{}\"."), ZeroShotSuite.named("mnist").templates());
        ZeroShotSuite fer = ZeroShotSuite.named("fer2013");
        assertEquals(List.of("happy", "smiling"), fer.classSynonyms().get(3));
        assertEquals(List.of("surprised", "shocked", "spooked"), fer.classSynonyms().get(5));
        assertEquals("happy", fer.classNames().get(3));
        assertEquals("Cote d'Ivoire", ZeroShotSuite.named("country211").classSynonyms().stream()
                .map(l -> l.get(0)).filter(n -> n.startsWith("Cote")).findFirst().orElseThrow());
    }

    @Test
    void everyTemplateHasExactlyOnePlaceholderAndEveryClassAName() {
        for (ZeroShotSuite s : ZeroShotSuite.all()) {
            for (String t : s.templates()) assertEquals(1, PromptTemplates.placeholders(t), s.name() + ": " + t);
            for (List<String> names : s.classSynonyms()) {
                assertTrue(!names.isEmpty() && names.stream().noneMatch(String::isBlank), s.name());
            }
        }
    }

    @Test
    void namesAreCaseInsensitiveAndOpenAiTitlesWork() {
        assertSame(ZeroShotSuite.named("imagenet1k"), ZeroShotSuite.named("ImageNet"));
        assertSame(ZeroShotSuite.named("pets"), ZeroShotSuite.named("oxfordpets"));
        assertSame(ZeroShotSuite.named("cifar10"), ZeroShotSuite.named(" CIFAR10 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ZeroShotSuite.named("imagenet-21k"));
        assertTrue(e.getMessage().contains("imagenet-21k") && e.getMessage().contains("imagenet1k") && e.getMessage().contains("food101"),
                e.getMessage());
    }

    @Test
    void badDocumentsAreRejectedNamingSuiteAndEntry() throws IOException {
        IOException twice = assertThrows(IOException.class, () -> read("""
                {"suites": [{"name": "x", "paper_name": "X", "classes": ["a"], "templates": ["{} and {}"]}]}"""));
        assertTrue(twice.getMessage().contains("t.json: suite x: template 0"), twice.getMessage());
        IOException none = assertThrows(IOException.class, () -> read("""
                {"suites": [{"name": "x", "paper_name": "X", "classes": ["a"], "templates": ["ok {}", "no placeholder"]}]}"""));
        assertTrue(none.getMessage().contains("template 1"), none.getMessage());
        IOException badClass = assertThrows(IOException.class, () -> read("""
                {"suites": [{"name": "y", "paper_name": "Y", "classes": ["a", 3], "templates": ["{}"]}]}"""));
        assertTrue(badClass.getMessage().contains("suite y: class 1"), badClass.getMessage());
        assertThrows(IOException.class, () -> read("{\"suite\": []}"));
        assertEquals(List.of(List.of("a", "b"), List.of("c")),
                read("{\"suites\": [{\"name\": \"z\", \"paper_name\": \"Z\", \"classes\": [[\"a\", \"b\"], \"c\"], \"templates\": [\"{}\"]}]}")
                        .get(0).classSynonyms());
    }

    /** A class with several names is one ensemble over every name in every template. */
    @Test
    void synonymsAreEnsembledWithTheTemplates() {
        ColourEncoder enc = new ColourEncoder(8);
        double[][] w = ZeroShotClassifier.classWeightsOfSynonyms(new FeatureExtractor(enc, 4),
                List.of(List.of("red", "blue"), List.of("green")), List.of("a {} thing", "{}"));
        double h = Math.sqrt(0.5);
        assertArrayEquals(new double[] {h, 0, h}, w[0], 1e-12); // mean of red, red, blue, blue units
        assertArrayEquals(new double[] {0, 1, 0}, w[1], 1e-12);
        // and one name per class is the plain ensemble
        assertArrayEquals(w[1], ZeroShotClassifier.classWeights(new FeatureExtractor(enc, 4), List.of("green"), List.of("{}"))[0], 0);
    }

    private static List<ZeroShotSuite> read(String json) throws IOException {
        return ZeroShotSuite.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), "t.json");
    }
}
