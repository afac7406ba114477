package dev.jclip.data.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns byte-level BPE merges from captions, in the form {@link ClipTokenizer} loads: captions are cleaned and
 * split exactly as the tokenizer does, each piece becomes its UTF-8 byte symbols with {@code </w>} on the last,
 * and the most frequent adjacent pair is merged until the vocabulary (512 byte symbols + merges + 2 special
 * tokens) reaches the requested size or no pair occurs {@link #minPairCount} times. Pair counts are kept
 * incrementally: a merge only revisits the words that contain the merged pair, and a lazy max-heap finds the
 * next pair. Ties go to the pair with the smaller ids, so training is deterministic.
 */
public final class BpeTrainer {
    private static final Logger log = LoggerFactory.getLogger(BpeTrainer.class);
    /** First line of files we write; like OpenAI's "#version: 0.2", the loader skips it. */
    public static final String HEADER = "#version: jclip-bpe 1";
    /** Smallest vocabulary: 512 byte symbols and the two special tokens. */
    public static final int MIN_VOCAB = 514;
    public static final int MAX_VOCAB = 512 + BpeVocabulary.MAX_MERGES + 2;

    private final int vocabSize;
    private final int minPairCount;
    private final Map<String, long[]> pieceCounts = new HashMap<>();
    private long captions;

    /** @param minPairCount pairs seen fewer times than this are never merged (at least 1) */
    public BpeTrainer(int vocabSize, int minPairCount) {
        if (vocabSize < MIN_VOCAB || vocabSize > MAX_VOCAB) {
            throw new IllegalArgumentException("vocabulary size must be in [" + MIN_VOCAB + ", " + MAX_VOCAB + "], got " + vocabSize);
        }
        if (minPairCount < 1) throw new IllegalArgumentException("minimum pair count must be at least 1, got " + minPairCount);
        this.vocabSize = vocabSize;
        this.minPairCount = minPairCount;
    }

    public BpeTrainer(int vocabSize) {
        this(vocabSize, 2);
    }

    /** Counts the pieces of one caption (special-token pieces are not words and are skipped). */
    public void addCaption(String text) {
        captions++;
        PreTokenizer.scan(ClipTextCleaner.clean(text), (t, s, e) -> {
            String piece = t.substring(s, e);
            if (!piece.equals(PreTokenizer.START_OF_TEXT) && !piece.equals(PreTokenizer.END_OF_TEXT)) {
                pieceCounts.computeIfAbsent(piece, k -> new long[1])[0]++;
            }
            return true;
        });
    }

    /** Adds every line of a UTF-8 text file as one caption. */
    public void addCaptionFile(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) addCaption(line);
            }
        }
    }

    public long captionCount() {
        return captions;
    }

    /** Learns the merges, each as {left, right} token strings. */
    public List<String[]> train() {
        int targetMerges = vocabSize - MIN_VOCAB;
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> tokenIds = new HashMap<>();
        for (int p = 0; p < 256; p++) {
            tokens.add(String.valueOf(ByteSymbols.symbolOf(ByteSymbols.byteAt(p))));
        }
        for (int p = 0; p < 256; p++) tokens.add(tokens.get(p) + BpeVocabulary.END_OF_WORD);
        for (int id = 0; id < tokens.size(); id++) tokenIds.put(tokens.get(id), id);

        // Words: unique pieces, sorted so that ids and ties do not depend on hash order.
        String[] pieces = pieceCounts.keySet().toArray(new String[0]);
        Arrays.sort(pieces);
        int[][] words = new int[pieces.length][];
        long[] freq = new long[pieces.length];
        Map<Long, PairStat> pairs = new HashMap<>();
        for (int w = 0; w < pieces.length; w++) {
            byte[] bytes = pieces[w].getBytes(StandardCharsets.UTF_8);
            int[] sym = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) sym[i] = ByteSymbols.positionOf(bytes[i]);
            sym[sym.length - 1] += 256;
            words[w] = sym;
            freq[w] = pieceCounts.get(pieces[w])[0];
            for (int i = 0; i + 1 < sym.length; i++) {
                PairStat st = pairs.computeIfAbsent(PairRanks.key(sym[i], sym[i + 1]), k -> new PairStat());
                st.count += freq[w];
                st.addWord(w);
            }
        }
        PriorityQueue<Candidate> heap = new PriorityQueue<>();
        for (Map.Entry<Long, PairStat> e : pairs.entrySet()) heap.add(new Candidate(e.getKey(), e.getValue().count));

        List<String[]> merges = new ArrayList<>(targetMerges);
        int[] visited = new int[words.length];
        Arrays.fill(visited, -1);
        Map<Long, PairStat> touched = new HashMap<>();
        while (merges.size() < targetMerges && !heap.isEmpty()) {
            Candidate c = heap.poll();
            PairStat stat = pairs.get(c.key);
            if (stat == null || stat.count != c.count) {
                if (stat != null && stat.count > 0) heap.add(new Candidate(c.key, stat.count));   // count fell: requeue
                continue;
            }
            if (stat.count < minPairCount) break;
            int a = (int) (c.key >>> 32);
            int b = (int) c.key;
            String merged = tokens.get(a) + tokens.get(b);
            Integer existing = tokenIds.get(merged);
            int newId;
            if (existing != null) {
                newId = existing;                       // the same string reached by another split
            } else {
                newId = tokens.size();
                tokens.add(merged);
                tokenIds.put(merged, newId);
            }
            merges.add(new String[] {tokens.get(a), tokens.get(b)});
            int mergeIndex = merges.size();
            touched.clear();
            for (int k = 0; k < stat.wordCount; k++) {
                int w = stat.words[k];
                if (visited[w] == mergeIndex) continue;
                visited[w] = mergeIndex;
                int[] old = words[w];
                int[] now = mergeAll(old, a, b, newId);
                if (now == old) continue;
                addPairs(pairs, touched, old, -freq[w], w, -1);
                addPairs(pairs, touched, now, freq[w], w, newId);
                words[w] = now;
            }
            pairs.remove(c.key);
            touched.remove(c.key);
            for (Map.Entry<Long, PairStat> e : touched.entrySet()) {
                if (e.getValue().count > 0) heap.add(new Candidate(e.getKey(), e.getValue().count));
                else pairs.remove(e.getKey());
            }
        }
        if (merges.size() < targetMerges) {
            log.warn("BPE training stopped after {} merges (vocabulary {} instead of {}): no pair occurs {} times any more",
                    merges.size(), MIN_VOCAB + merges.size(), vocabSize, minPairCount);
        }
        return merges;
    }

    /** Trains and writes the merges file (gzip when the name ends in .gz); returns the merges. */
    public List<String[]> trainAndWrite(Path output) throws IOException {
        List<String[]> merges = train();
        BpeVocabulary.write(output, HEADER, merges);
        return merges;
    }

    /** Adjusts counts of the pairs of {@code word} by {@code delta}; pairs with {@code newId} learn that they occur in word {@code w}. */
    private static void addPairs(Map<Long, PairStat> pairs, Map<Long, PairStat> touched, int[] word, long delta, int w, int newId) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = PairRanks.key(word[i], word[i + 1]);
            PairStat st = pairs.get(key);
            if (st == null) {
                st = new PairStat();
                pairs.put(key, st);
            }
            st.count += delta;
            if (newId >= 0 && (word[i] == newId || word[i + 1] == newId)) st.addWord(w);
            touched.put(key, st);
        }
    }

    /** Left-to-right, non-overlapping replacement of (a, b) by {@code id}; returns {@code word} itself if none. */
    private static int[] mergeAll(int[] word, int a, int b, int id) {
        int[] out = null;
        int m = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                if (out == null) {
                    out = new int[word.length - 1];
                    System.arraycopy(word, 0, out, 0, i);
                    m = i;
                }
                out[m++] = id;
                i++;
            } else if (out != null) {
                out[m++] = word[i];
            }
        }
        return out == null ? word : Arrays.copyOf(out, m);
    }

    /** Count of a pair and the words it (may) occur in; the list can hold duplicates and stale entries. */
    private static final class PairStat {
        long count;
        int[] words = new int[2];
        int wordCount;

        void addWord(int w) {
            if (wordCount > 0 && words[wordCount - 1] == w) return;
            if (wordCount == words.length) words = Arrays.copyOf(words, wordCount * 2);
            words[wordCount++] = w;
        }
    }

    /** A heap entry: most frequent first, then smaller ids. */
    private record Candidate(long key, long count) implements Comparable<Candidate> {
        @Override
        public int compareTo(Candidate o) {
            if (count != o.count) return Long.compare(o.count, count);
            return Long.compare(key, o.key);
        }
    }
}
