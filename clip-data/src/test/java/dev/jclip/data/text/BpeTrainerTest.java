package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {
    @TempDir
    Path dir;

    @Test
    void incrementalCountsGiveTheSameMergesAsRecountingEveryStep() {
        List<String> captions = SyntheticCaptions.generate(300, 11);
        BpeTrainer trainer = new BpeTrainer(514 + 150, 2);
        captions.forEach(trainer::addCaption);
        List<String[]> fast = trainer.train();
        List<String[]> slow = naiveTrain(captions, 150, 2);
        assertEquals(slow.size(), fast.size());
        for (int k = 0; k < slow.size(); k++) {
            assertArrayEquals(slow.get(k), fast.get(k), "merge " + k);
        }
    }

    /** Textbook BPE: recount every pair of every word before each merge; ties to the smaller (left id, right id). */
    private static List<String[]> naiveTrain(List<String> captions, int merges, int minCount) {
        Map<String, Integer> pieceCount = new TreeMap<>();
        for (String c : captions) {
            for (String p : PreTokenizer.split(ClipTextCleaner.clean(c))) pieceCount.merge(p, 1, Integer::sum);
        }
        List<String> tokens = new ArrayList<>();
        for (int p = 0; p < 256; p++) tokens.add(String.valueOf(ByteSymbols.symbolOf(ByteSymbols.byteAt(p))));
        for (int p = 0; p < 256; p++) tokens.add(tokens.get(p) + "</w>");
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) ids.put(tokens.get(i), i);
        List<List<Integer>> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : pieceCount.entrySet()) {
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            List<Integer> w = new ArrayList<>();
            for (int i = 0; i < b.length; i++) w.add(ByteSymbols.positionOf(b[i]) + (i == b.length - 1 ? 256 : 0));
            words.add(w);
            freq.add(e.getValue());
        }
        List<String[]> out = new ArrayList<>();
        while (out.size() < merges) {
            Map<Long, Long> counts = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                List<Integer> s = words.get(w);
                for (int i = 0; i + 1 < s.size(); i++) counts.merge(((long) s.get(i) << 32) | s.get(i + 1), (long) freq.get(w), Long::sum);
            }
            long bestKey = -1;
            long best = 0;
            for (Map.Entry<Long, Long> e : counts.entrySet()) {
                if (e.getValue() > best || (e.getValue() == best && e.getKey() < bestKey)) {
                    best = e.getValue();
                    bestKey = e.getKey();
                }
            }
            if (best < minCount) break;
            int a = (int) (bestKey >>> 32);
            int b = (int) bestKey;
            String merged = tokens.get(a) + tokens.get(b);
            Integer id = ids.get(merged);
            if (id == null) {
                id = tokens.size();
                tokens.add(merged);
                ids.put(merged, id);
            }
            out.add(new String[] {tokens.get(a), tokens.get(b)});
            for (List<Integer> s : words) {
                for (int i = 0; i + 1 < s.size(); i++) {
                    if (s.get(i) == a && s.get(i + 1) == b) {
                        s.set(i, id);
                        s.remove(i + 1);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void trainedVocabularyRoundTripsAndReloads() throws Exception {
        List<String> captions = SyntheticCaptions.generate(3000, 5);
        Path corpus = dir.resolve("captions.txt");
        Files.write(corpus, captions, StandardCharsets.UTF_8);
        BpeTrainer trainer = new BpeTrainer(900);
        trainer.addCaptionFile(corpus);
        assertEquals(3000, trainer.captionCount());
        Path gz = dir.resolve("vocab.txt.gz");
        List<String[]> merges = trainer.trainAndWrite(gz);
        assertEquals(900 - 514, merges.size());
        Path plain = dir.resolve("vocab.txt");
        BpeVocabulary.write(plain, BpeTrainer.HEADER, merges);
        assertEquals(0x1f, Files.readAllBytes(gz)[0] & 0xff);
        assertEquals(BpeTrainer.HEADER, Files.readAllLines(plain).get(0));

        ClipTokenizer a = ClipTokenizer.load(gz);
        ClipTokenizer b = ClipTokenizer.load(plain);
        ClipTokenizer inMemory = ClipTokenizer.of(BpeVocabulary.fromMerges(merges));
        assertEquals(900, a.vocabSize());
        assertEquals(898, a.startToken());
        assertEquals(899, a.endToken());
        long ids = 0;
        long bytes = 0;
        for (String c : captions) {
            int[] encoded = a.encode(c);
            assertArrayEquals(encoded, b.encode(c), c);
            assertArrayEquals(encoded, inMemory.encode(c), c);
            String cleaned = ClipTextCleaner.clean(c);
            assertEquals(String.join(" ", PreTokenizer.split(cleaned)), a.decode(encoded), c);
            ids += encoded.length;
            bytes += cleaned.getBytes(StandardCharsets.UTF_8).length;
        }
        assertTrue(ids * 3 < bytes, "a trained vocabulary compresses its own corpus: " + ids + " ids for " + bytes + " bytes");
        // unseen text still round-trips through the byte symbols
        String unseen = "Ω zebra 🦓 quantum 42";
        assertEquals(String.join(" ", PreTokenizer.split(ClipTextCleaner.clean(unseen))), a.decode(a.encode(unseen)));
    }

    @Test
    void stopsEarlyWhenNoPairRepeats() {
        BpeTrainer trainer = new BpeTrainer(5000);
        trainer.addCaption("ab ab");
        List<String[]> merges = trainer.train();
        assertEquals(1, merges.size());
        assertArrayEquals(new String[] {"a", "b</w>"}, merges.get(0));
    }

    @Test
    void rejectsBadSizesAndBadFiles() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(513));
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(49409));
        Path bad = dir.resolve("bad.txt");
        Files.writeString(bad, "#version: 0.2\na b\nthree parts here\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(bad));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        Files.writeString(bad, "#version: 0.2\nzz q\n");
        e = assertThrows(IllegalArgumentException.class, () -> ClipTokenizer.load(bad));
        assertTrue(e.getMessage().contains("merge 1"), e.getMessage());
    }
}
