package dev.jclip.it;

import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.testing.Fixtures;
import dev.jclip.data.text.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes the consumer project that maven-invoker-plugin then builds against freshly installed artifacts
 * (target/it-projects/readme): README.md's first XML block (the BOM import, clip-api, the CPU backend) as its
 * dependencies, every Java block of README.md verbatim as a source file, the runner from src/it-template, and the
 * vit-tiny fixture (with a vocabulary inside) as the model the runner serves under "ViT-B-32" "openai".
 */
class ReadmeProjectTest {
    private static final Pattern FENCE = Pattern.compile("```(\\w+)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    @Test
    void writeConsumerProjectFromReadme() throws Exception {
        Path root = Fixtures.testdata().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        List<String> xml = new ArrayList<>();
        List<String> java = new ArrayList<>();
        for (Matcher m = FENCE.matcher(readme); m.find(); ) {
            if (m.group(1).equals("xml")) xml.add(m.group(2));
            if (m.group(1).equals("java")) java.add(m.group(2));
        }
        assertTrue(java.size() >= 4, "README Java blocks: " + java.size());

        Path project = Path.of("target/it-projects/readme");
        deleteTree(project);
        Path template = Path.of("src/it-template/readme");
        try (Stream<Path> files = Files.walk(template)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path dst = project.resolve(template.relativize(f).toString());
                Files.createDirectories(dst.getParent());
                Files.copy(f, dst);
            }
        }

        // the user's dependency block, exactly as the README shows it, plus JUnit for the runner
        String block = xml.get(0);
        assertTrue(block.contains("<artifactId>jclip-bom</artifactId>") && block.contains("<scope>import</scope>"), block);
        assertTrue(block.contains("<version>" + projectVersion(root) + "</version>"), "README's BOM version is the project's");
        int close = block.lastIndexOf("</dependencies>");
        String deps = block.substring(0, close) + "  <dependency>\n    <groupId>org.junit.jupiter</groupId>\n"
                + "    <artifactId>junit-jupiter</artifactId>\n    <version>" + System.getProperty("junit.version", "5.11.4")
                + "</version>\n    <scope>test</scope>\n  </dependency>\n" + block.substring(close);
        Path pom = project.resolve("pom.xml");
        String pomText = Files.readString(pom);
        assertTrue(pomText.contains("<!-- README -->"));
        Files.writeString(pom, pomText.replace("<!-- README -->", deps));
        long jclipDeps = Pattern.compile("<groupId>dev.jclip</groupId>").matcher(block).results().count();
        assertEquals(2, jclipDeps, "the README asks for the BOM and one jclip dependency");

        // every Java block verbatim, named by its public class, run in README order
        List<String> classes = new ArrayList<>();
        for (String source : java) {
            Matcher m = CLASS.matcher(source);
            assertTrue(m.find(), "a README Java block is not a complete class:\n" + source);
            classes.add(m.group(1));
            Path file = project.resolve("src/main/java/" + m.group(1) + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
        }
        assertEquals(classes.size(), classes.stream().distinct().count(), "README class names repeat: " + classes);
        Files.write(project.resolve("readme-classes.txt"), classes);

        writeTinyModel(project.resolve("tiny-model.safetensors"));
    }

    /** The vit-tiny fixture with its config and a 1,000-id vocabulary (OpenAI's first 486 merges) in the metadata. */
    private static void writeTinyModel(Path file) throws IOException {
        Path fixture = Fixtures.fixture("vit-tiny").resolve("model.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(SafeTensors.CONFIG_KEY, Fixtures.metadataConfig(fixture));
        try (InputStream in = new GZIPInputStream(ClipTokenizer.class.getResourceAsStream("bpe_simple_vocab_16e6.txt.gz"))) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            meta.put(ClipTokenizer.METADATA_KEY, String.join("\n", Arrays.copyOfRange(lines, 0, 1 + 486)) + "\n");
        }
        SafeTensors.write(Checkpoints.readStateDict(fixture, DataType.FLOAT), meta, file);
    }

    private static String projectVersion(Path root) throws IOException {
        Matcher m = Pattern.compile("<artifactId>jclip-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(root.resolve("pom.xml")));
        assertTrue(m.find());
        return m.group(1);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) Files.delete(p);
        }
    }
}
