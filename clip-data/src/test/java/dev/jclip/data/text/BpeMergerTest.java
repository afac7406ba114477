package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The heap merge used for long words must give exactly what the direct transcription of OpenAI's loop gives. */
class BpeMergerTest {
    static BpeMerger merger;

    @BeforeAll
    static void load() {
        BpeVocabulary v = BpeVocabulary.openai();
        merger = new BpeMerger(v.ranks, v.mergedId);
    }

    private static int[] symbols(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] s = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) s[i] = ByteSymbols.positionOf(bytes[i]);
        s[s.length - 1] += 256;
        return s;
    }

    @Test
    void heapEqualsPassesOnRandomWords() {
        Random rnd = new Random(42);
        String[] alphabets = {"a", "ab", "abc", "aeioustrnl", "abcdefghijklmnopqrstuvwxyz", "!?.", "éàü", "猫の"};
        int checked = 0;
        for (int trial = 0; trial < 600; trial++) {
            String alphabet = alphabets[trial % alphabets.length];
            int len = 1 + rnd.nextInt(trial % 3 == 0 ? 400 : 60);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < len; i++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            int[] s = symbols(sb.toString());
            assertArrayEquals(merger.mergeByPasses(s), merger.mergeWithHeap(s), sb.toString());
            checked++;
        }
        assertTrue(checked == 600);
    }

    @Test
    void heapEqualsPassesOnRepeatedRealWords() {
        String[] words = {"photo", "cat", "supercalifragilisticexpialidocious", "ing", "the", "aa", "ab"};
        for (String w : words) {
            for (int reps = 1; reps < 40; reps += 7) {
                int[] s = symbols(w.repeat(reps));
                assertArrayEquals(merger.mergeByPasses(s), merger.mergeWithHeap(s), w + " x" + reps);
            }
        }
    }
}
