package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every case of the reference file (ids from OpenAI's own tokenizer) must come out identical. */
class ClipTokenizerReferenceTest {
    static ClipTokenizer tokenizer;

    static Path testdata() {
        return Path.of(System.getProperty("jclip.testdata", "../testdata"));
    }

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.openai();
    }

    @Test
    void vocabularyLayoutMatchesOpenAi() {
        assertEquals(49408, tokenizer.vocabSize());
        assertEquals(49406, tokenizer.startToken());
        assertEquals(49407, tokenizer.endToken());
        assertEquals("!", tokenizer.token(0));
        assertEquals("!</w>", tokenizer.token(256));
    }

    @Test
    void allReferenceCasesMatch() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> failures = new ArrayList<>();
        int cases = 0;
        for (String line : Files.readAllLines(testdata().resolve("clip/tokenizer-cases.jsonl"))) {
            if (line.isBlank()) continue;
            cases++;
            JsonNode c = json.readTree(line);
            String text = c.get("text").asText();
            int[] ids = json.treeToValue(c.get("ids"), int[].class);
            int[] bpe = json.treeToValue(c.get("bpe"), int[].class);
            int[] gotBpe = tokenizer.encode(text);
            int[] gotIds = tokenizer.tokenize(text, 77, true);
            if (!java.util.Arrays.equals(bpe, gotBpe) || !java.util.Arrays.equals(ids, gotIds)) {
                failures.add(json.writeValueAsString(text) + "\n   want " + java.util.Arrays.toString(bpe)
                        + "\n   got  " + java.util.Arrays.toString(gotBpe) + "\n   clean " + json.writeValueAsString(ClipTextCleaner.clean(text)));
            }
        }
        assertEquals(179, cases);
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases + " cases differ:\n" + String.join("\n", failures));
    }
}
