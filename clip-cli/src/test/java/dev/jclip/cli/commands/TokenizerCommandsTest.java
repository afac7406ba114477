package dev.jclip.cli.commands;

import dev.jclip.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.cli.Main;
import dev.jclip.cli.UsageException;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.data.text.SyntheticCaptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerCommandsTest {
    static final String VOCAB = dev.jclip.cli.testing.OpenAiVocabFile.path();
    final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    private record Result(int code, List<String> out, String err) {
    }

    private Result tokenize(String stdin, String... argv) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.invoke(new TokenizeCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8)), List.of(argv));
        return new Result(code, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tokenizeAnswersEveryLine() throws Exception {
        Result r = tokenize("{\"text\": \"a photo of a cat\"}\n{\"text\": \"a photo of a dog\", \"id\": 3}\n", "--vocab", VOCAB);
        assertEquals(0, r.code());
        assertEquals(2, r.out().size());
        JsonNode first = json.readTree(r.out().get(0));
        assertEquals(77, first.get("ids").size());
        assertEquals(List.of(49406, 320, 1125, 539, 320, 2368, 49407, 0),
                List.of(first.get("ids").get(0).asInt(), first.get("ids").get(1).asInt(), first.get("ids").get(2).asInt(),
                        first.get("ids").get(3).asInt(), first.get("ids").get(4).asInt(), first.get("ids").get(5).asInt(),
                        first.get("ids").get(6).asInt(), first.get("ids").get(7).asInt()));
        assertEquals(1929, json.readTree(r.out().get(1)).get("ids").get(5).asInt());
    }

    @Test
    void badLinesAreReportedAndOthersStillAnswered() throws Exception {
        String stdin = "{\"text\": \"one\"}\nnot json\n{\"caption\": \"x\"}\n\n{\"text\": \"" + "cat ".repeat(100) + "\"}\n{\"text\": \"last\"}\n";
        Result r = tokenize(stdin, "--vocab", VOCAB, "--context-length", "16");
        assertEquals(1, r.code());
        assertEquals(5, r.out().size());
        assertEquals(16, json.readTree(r.out().get(0)).get("ids").size());
        assertTrue(json.readTree(r.out().get(1)).get("error").asText().startsWith("line 2: not valid JSON"), r.out().get(1));
        assertTrue(json.readTree(r.out().get(2)).get("error").asText().startsWith("line 3: missing string field"), r.out().get(2));
        assertTrue(json.readTree(r.out().get(3)).get("error").asText().startsWith("line 5: text 'cat cat"), r.out().get(3));
        assertEquals(16, json.readTree(r.out().get(4)).get("ids").size());
        assertTrue(r.err().contains("line 2") && r.err().contains("line 3") && r.err().contains("line 5"), r.err());

        Result t = tokenize("{\"text\": \"" + "cat ".repeat(100) + "\"}\n", "--vocab", VOCAB, "--context-length", "16", "--truncate");
        assertEquals(0, t.code());
        assertEquals(49407, json.readTree(t.out().get(0)).get("ids").get(15).asInt());
    }

    @Test
    void tokenizeRejectsBadOptions() {
        assertThrows(UsageException.class, () -> tokenize("", "--vocab", dir.resolve("missing.gz").toString()));
        assertThrows(UsageException.class, () -> tokenize("", "--vocab", VOCAB, "--context-lenght", "5"));
        assertThrows(UsageException.class, () -> tokenize(""));
    }

    @Test
    void trainWritesALoadableVocabulary() throws Exception {
        Path corpus = dir.resolve("captions.txt");
        Files.write(corpus, SyntheticCaptions.generate(2000, 3), StandardCharsets.UTF_8);
        Path vocab = dir.resolve("vocab.txt.gz");
        CliRun run = CliRun.capture(() -> Main.invoke(new TokenizerTrainCommand(), List.of(
                "--input", corpus.toString(), "--vocab-size", "700", "--output", vocab.toString())));
        assertEquals(0, run.code(), run.err());
        JsonNode report = json.readTree(run.out());
        assertEquals(2000, report.get("captions").asInt());
        assertEquals(700, report.get("vocab_size").asInt());
        ClipTokenizer t = ClipTokenizer.load(vocab);
        assertEquals(700, t.vocabSize());
        assertEquals(699, t.endToken());
        assertEquals("a photo of a red cat", t.decode(t.encode("A photo of a red cat")));

        Result r = tokenize("{\"text\": \"a photo of a red cat\"}\n", "--vocab", vocab.toString(), "--context-length", "40");
        JsonNode ids = json.readTree(r.out().get(0)).get("ids");
        assertEquals(698, ids.get(0).asInt());
        assertThrows(UsageException.class, () -> Main.invoke(new TokenizerTrainCommand(), List.of(
                "--input", corpus.toString(), "--vocab-size", "100", "--output", vocab.toString())));
    }

    @Test
    void benchPrintsOneJsonLine() throws Exception {
        Path captions = dir.resolve("c.txt");
        Path ids = dir.resolve("ids.txt");
        CliRun run = CliRun.capture(() -> Main.invoke(new BenchTokenizerCommand(), List.of(
                "--vocab", VOCAB, "--captions", "500", "--write-captions", captions.toString(), "--write-ids", ids.toString())));
        assertEquals(0, run.code(), run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(1, lines.size());
        JsonNode report = json.readTree(lines.get(0));
        assertEquals(500, report.get("captions").asInt());
        assertTrue(report.get("captions_per_s").asDouble() > 0);
        assertEquals(500, Files.readAllLines(captions).size());
        assertEquals(500, Files.readAllLines(ids).size());
    }
}
