package dev.jclip.data.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CLIP's byte-level BPE tokenizer, id-for-id equal to OpenAI's {@code SimpleTokenizer} and
 * {@code clip.tokenize}: text cleaned by {@link ClipTextCleaner}, split by {@link PreTokenizer}, each piece's
 * UTF-8 bytes merged by rank ({@link BpeMerger}). Thread-safe: the vocabulary is immutable and the cache of
 * merged pieces is a {@link PieceCache}, bounded and lock-free.
 */
public final class ClipTokenizer implements CaptionTokenizer {
    /** CLIP's context length. */
    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    private static final int CACHE_SLOTS = 1 << 17;
    /** Pieces longer than this are not cached (hostile input would otherwise fill the cache with junk). */
    private static final int CACHE_MAX_PIECE = 48;
    /**
     * Pieces with more UTF-8 bytes than this (no real word has them; hostile captions do) are merged in chunks
     * of this size, only the last carrying {@code </w>}, and only as many chunks as the row needs. Shorter
     * pieces are merged whole, exactly as OpenAI does.
     */
    static final int MAX_EXACT_BYTES = 8192;

    private final BpeVocabulary vocab;
    private final BpeMerger merger;
    private final PieceCache cache = new PieceCache(CACHE_SLOTS);

    private final String merges; // the merges file's text, for checkpoints to carry; null for OpenAI's built-in one

    private ClipTokenizer(BpeVocabulary vocab) {
        this(vocab, null);
    }

    private ClipTokenizer(BpeVocabulary vocab, String merges) {
        this.merges = merges;
        this.vocab = vocab;
        this.merger = new BpeMerger(vocab.ranks, vocab.mergedId);
    }

    /** Loads a merges file (OpenAI's {@code bpe_simple_vocab_16e6.txt.gz} or one written by {@link BpeTrainer}). */
    public static ClipTokenizer load(Path mergesFile) {
        return parse(mergesText(mergesFile), mergesFile.toString());
    }

    /**
     * The safetensors metadata key under which a checkpoint carries the vocabulary it was trained with (the merges
     * file's text), so that the model file alone is enough to encode text.
     */
    public static final String METADATA_KEY = "jclip.vocab";

    /** Parses a merges file's text, such as {@link #METADATA_KEY}'s value; {@code source} names it in errors. */
    public static ClipTokenizer parse(String mergesText, String source) {
        try {
            return new ClipTokenizer(BpeVocabulary.parse(new java.io.ByteArrayInputStream(
                    mergesText.getBytes(java.nio.charset.StandardCharsets.UTF_8)), source), mergesText);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A merges file's text (gzip-compressed files are decompressed), for {@link #METADATA_KEY}. */
    public static String mergesText(Path mergesFile) {
        try (java.io.InputStream in = new java.io.BufferedInputStream(java.nio.file.Files.newInputStream(mergesFile))) {
            in.mark(2);
            boolean gzip = in.read() == 0x1F && in.read() == 0x8B;
            in.reset();
            return new String((gzip ? new java.util.zip.GZIPInputStream(in) : in).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read BPE vocabulary " + mergesFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * OpenAI's tokenizer (49,408 tokens), from the merges file inside this jar. The vocabulary is parsed once per
     * JVM and shared; each call returns a tokenizer with its own (empty) piece cache.
     */
    public static ClipTokenizer openai() {
        return new ClipTokenizer(OpenAiVocabulary.VOCAB);
    }

    private static final class OpenAiVocabulary {
        static final BpeVocabulary VOCAB = BpeVocabulary.openai();
    }

    static ClipTokenizer of(BpeVocabulary vocab) {
        return new ClipTokenizer(vocab);
    }

    /**
     * The merges file's text this tokenizer was read from ({@link #METADATA_KEY}'s value in the checkpoints of a
     * run trained with it); null for {@link #openai()}, which every reader has built in.
     */
    public String merges() {
        return merges;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    public int startToken() {
        return vocab.startToken;
    }

    public int endToken() {
        return vocab.endToken;
    }

    /** The token string of an id, bytes spelled with GPT-2's byte symbols (as in the merges file). */
    public String token(int id) {
        return vocab.tokens[id];
    }

    /**
     * Whole-word tokens (ending in {@code </w>}) made only of the letters a-z, in id order, which for a trained
     * vocabulary is roughly the order of frequency; at most {@code max}. Used to make realistic test corpora.
     */
    public List<String> vocabularyWords(int max) {
        List<String> words = new java.util.ArrayList<>();
        for (int id = 512; id < vocab.startToken && words.size() < max; id++) {
            String t = vocab.tokens[id];
            if (!t.endsWith(BpeVocabulary.END_OF_WORD)) continue;
            String w = t.substring(0, t.length() - BpeVocabulary.END_OF_WORD.length());
            if (w.length() > 1 && w.chars().allMatch(c -> c >= 'a' && c <= 'z')) words.add(w);
        }
        return words;
    }

    /** BPE ids of a text, without start/end tokens (OpenAI's {@code SimpleTokenizer.encode}). */
    public int[] encode(String text) {
        IntList out = new IntList(32);
        encodeInto(ClipTextCleaner.clean(text), out, Integer.MAX_VALUE);
        return out.toArray();
    }

    /**
     * Appends the ids of cleaned text to {@code out}, stopping after the piece that brings it to
     * {@code limit} ids (later pieces cannot change earlier ids, so a truncated row needs no more).
     */
    private void encodeInto(String cleaned, IntList out, int limit) {
        PreTokenizer.scan(cleaned, (text, start, end) -> {
            if (end - start > MAX_EXACT_BYTES / 4) {
                byte[] bytes = text.substring(start, end).getBytes(StandardCharsets.UTF_8);
                if (bytes.length > MAX_EXACT_BYTES) {
                    appendChunked(bytes, out, limit);
                    return out.size() < limit;
                }
            }
            appendPiece(text, start, end, out);
            return out.size() < limit;
        });
    }

    /** Merges an over-long piece chunk by chunk (cut before a UTF-8 lead byte), until {@code limit} ids. */
    private void appendChunked(byte[] bytes, IntList out, int limit) {
        int start = 0;
        while (start < bytes.length && out.size() < limit) {
            int end = Math.min(bytes.length, start + MAX_EXACT_BYTES);
            while (end < bytes.length && end > start + 1 && (bytes[end] & 0xC0) == 0x80) end--;
            out.addAll(merger.merge(symbols(bytes, start, end, end == bytes.length)));
            start = end;
        }
    }

    private void appendPiece(String text, int start, int end, IntList out) {
        boolean cacheable = end - start <= CACHE_MAX_PIECE;
        int hash = cacheable ? PieceCache.hash(text, start, end) : 0;
        int[] ids = cacheable ? cache.get(text, start, end, hash) : null;
        if (ids == null) {
            String piece = text.substring(start, end);
            ids = bpe(piece);
            if (cacheable) cache.put(piece, hash, ids);
        }
        out.addAll(ids);
    }

    private int[] bpe(String piece) {
        if (piece.equals(PreTokenizer.START_OF_TEXT)) return new int[] {vocab.startToken};
        if (piece.equals(PreTokenizer.END_OF_TEXT)) return new int[] {vocab.endToken};
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        return merger.merge(symbols(bytes, 0, bytes.length, true));
    }

    private static int[] symbols(byte[] bytes, int from, int to, boolean endOfWord) {
        int[] symbols = new int[to - from];
        for (int i = from; i < to; i++) symbols[i - from] = ByteSymbols.positionOf(bytes[i]);
        if (endOfWord) symbols[symbols.length - 1] += 256;   // the last symbol of a word carries </w>
        return symbols;
    }

    @Override
    public int[] tokenize(String text, int contextLength, boolean truncate) {
        int[] row = new int[contextLength];
        fillRow(text, contextLength, truncate, row, 0);
        return row;
    }

    /** {@code clip.tokenize}: one row per text, start token, ids, end token, zero padding. */
    public int[][] tokenize(List<String> texts, int contextLength, boolean truncate) {
        int[][] rows = new int[texts.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = tokenize(texts.get(i), contextLength, truncate);
        return rows;
    }

    public int[][] tokenize(List<String> texts) {
        return tokenize(texts, DEFAULT_CONTEXT_LENGTH, false);
    }

    /** The rows of {@link #tokenize(List, int, boolean)} as a [B, T] array of type INT32 or INT64 for the text tower. */
    public INDArray tokenizeToArray(List<String> texts, int contextLength, boolean truncate, DataType type) {
        if (type != DataType.INT32 && type != DataType.INT64) {
            throw new IllegalArgumentException("token arrays are INT32 or INT64, not " + type);
        }
        int[] flat = new int[texts.size() * contextLength];
        for (int i = 0; i < texts.size(); i++) {
            fillRow(texts.get(i), contextLength, truncate, flat, i * contextLength);
        }
        long[] shape = {texts.size(), contextLength};
        if (type == DataType.INT32) return Nd4j.createFromArray(flat).reshape(shape);
        long[] wide = new long[flat.length];
        for (int i = 0; i < flat.length; i++) wide[i] = flat[i];
        return Nd4j.createFromArray(wide).reshape(shape);
    }

    private void fillRow(String text, int contextLength, boolean truncate, int[] dest, int offset) {
        if (contextLength < 2) throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        IntList ids = new IntList(contextLength);
        ids.add(vocab.startToken);
        // Stop merging once the row is full: later pieces cannot change earlier ids, and a row that overflows is
        // either cut (truncate) or an error, whatever follows.
        encodeInto(ClipTextCleaner.clean(text), ids, contextLength);
        ids.add(vocab.endToken);
        int n = ids.size();
        if (n > contextLength) {
            if (!truncate) {
                throw new IllegalArgumentException("text '" + BpeVocabulary.abbreviate(text) + "' is too long for context length "
                        + contextLength);
            }
            n = contextLength;
            ids.set(n - 1, vocab.endToken);
        }
        ids.copyTo(dest, offset, n);
    }

    /**
     * Text of ids as OpenAI's {@code decode} gives it: bytes re-assembled (invalid UTF-8 becomes U+FFFD),
     * {@code </w>} turned into a space, then trailing space removed. Start tokens are skipped and the first end
     * token ends the text (what follows it in a row is padding).
     */
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id == vocab.endToken) break;
            if (id == vocab.startToken) continue;
            if (id < 0 || id >= vocab.size()) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + vocab.size());
            String tok = vocab.tokens[id];
            int len = tok.length();
            boolean endOfWord = tok.endsWith(BpeVocabulary.END_OF_WORD);
            if (endOfWord) len -= BpeVocabulary.END_OF_WORD.length();
            for (int i = 0; i < len; i++) bytes.write(ByteSymbols.byteOf(tok.charAt(i)));
            if (endOfWord) bytes.write(' ');
        }
        String s = bytes.toString(StandardCharsets.UTF_8);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') end--;
        return s.substring(0, end);
    }

    /** A growable int array, to keep ids unboxed. */
    private static final class IntList {
        private int[] a;
        private int size;

        IntList(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (size == a.length) a = java.util.Arrays.copyOf(a, size * 2);
            a[size++] = v;
        }

        void addAll(int[] vs) {
            if (size + vs.length > a.length) a = java.util.Arrays.copyOf(a, Math.max(size * 2, size + vs.length));
            System.arraycopy(vs, 0, a, size, vs.length);
            size += vs.length;
        }

        void set(int i, int v) {
            a[i] = v;
        }

        int size() {
            return size;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, size);
        }

        void copyTo(int[] dest, int offset, int n) {
            System.arraycopy(a, 0, dest, offset, n);
        }
    }
}
