package dev.jclip.data.text;

import dev.jclip.core.io.AtomicFile;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * CLIP's BPE vocabulary as defined by a merges file: a version header line, then one merge per line
 * ("left right", tokens spelled with {@link ByteSymbols}). Ids: the 256 byte symbols, the same with
 * {@code </w>}, one id per merge (its concatenation), then {@code <|startoftext|>} and {@code <|endoftext|>}.
 * OpenAI's file holds more merges than CLIP uses; at most {@link #MAX_MERGES} are read, which gives OpenAI's
 * 49,408 ids.
 */
final class BpeVocabulary {
    static final String END_OF_WORD = "</w>";
    /** OpenAI's {@code merges[1:49152-256-2+1]}. */
    static final int MAX_MERGES = 49152 - 256 - 2;

    final String[] tokens;          // id -> token string
    final Map<String, Integer> ids; // token string -> id (the last id when a string repeats, as Python's dict)
    final PairRanks ranks;
    final int[] mergedId;           // rank -> id of the merged token
    final int startToken;
    final int endToken;

    private BpeVocabulary(List<String[]> merges) {
        int size = 512 + merges.size() + 2;
        tokens = new String[size];
        ids = new HashMap<>(size * 2);
        for (int p = 0; p < 256; p++) {
            String s = String.valueOf(ByteSymbols.symbolOf(ByteSymbols.byteAt(p)));
            tokens[p] = s;
            tokens[256 + p] = s + END_OF_WORD;
        }
        for (int k = 0; k < merges.size(); k++) {
            tokens[512 + k] = merges.get(k)[0] + merges.get(k)[1];
        }
        startToken = size - 2;
        endToken = size - 1;
        tokens[startToken] = PreTokenizer.START_OF_TEXT;
        tokens[endToken] = PreTokenizer.END_OF_TEXT;
        for (int id = 0; id < size; id++) ids.put(tokens[id], id);
        ranks = new PairRanks(merges.size());
        mergedId = new int[merges.size()];
        for (int k = 0; k < merges.size(); k++) {
            Integer left = ids.get(merges.get(k)[0]);
            Integer right = ids.get(merges.get(k)[1]);
            if (left == null || right == null) {
                throw new IllegalArgumentException("merge " + (k + 1) + " ('" + merges.get(k)[0] + " " + merges.get(k)[1]
                        + "') uses a token that no earlier line defines");
            }
            ranks.put(left, right, k);
            mergedId[k] = ids.get(tokens[512 + k]);
        }
    }

    static BpeVocabulary fromMerges(List<String[]> merges) {
        return new BpeVocabulary(merges);
    }

    /** Reads a merges file, gzip-compressed (detected by its magic bytes) or plain UTF-8. */
    static BpeVocabulary load(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return parse(in, path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BPE vocabulary " + path + ": " + e.getMessage(), e);
        }
    }

    /** OpenAI's merges file as shipped inside this jar ({@value #OPENAI_RESOURCE}, MIT licence beside it). */
    static BpeVocabulary openai() {
        try (InputStream in = BpeVocabulary.class.getResourceAsStream(OPENAI_RESOURCE)) {
            if (in == null) throw new IllegalStateException("OpenAI's BPE vocabulary is missing from the jar: " + OPENAI_RESOURCE);
            return parse(in, "jar:" + OPENAI_RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in BPE vocabulary: " + e.getMessage(), e);
        }
    }

    /** OpenAI's {@code bpe_simple_vocab_16e6.txt.gz}, a class-path resource of clip-data. */
    static final String OPENAI_RESOURCE = "bpe_simple_vocab_16e6.txt.gz";

    /** Parses a merges stream named {@code source} in errors. */
    static BpeVocabulary parse(InputStream stream, String source) throws IOException {
        String text;
        try (InputStream raw = new BufferedInputStream(stream)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1F && raw.read() == 0x8B;
            raw.reset();
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 20);
            in.transferTo(buf);
            text = buf.toString(StandardCharsets.UTF_8);
        }
        String[] lines = text.split("\n", -1);
        int last = lines.length;
        while (last > 1 && lines[last - 1].isEmpty()) last--;
        int count = Math.min(last - 1, MAX_MERGES);
        if (count < 0) throw new IllegalArgumentException(source + ": empty vocabulary file");
        List<String[]> merges = new ArrayList<>(count);
        for (int k = 1; k <= count; k++) {
            String line = lines[k];
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            String[] parts = line.split(" ");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IllegalArgumentException(source + " line " + (k + 1) + ": expected two tokens separated by a space, got '"
                        + abbreviate(line) + "'");
            }
            merges.add(parts);
        }
        try {
            return new BpeVocabulary(merges);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Writes header + merges, gzip-compressed when the name ends in ".gz"; via a temporary file and a rename. */
    static void write(Path path, String header, List<String[]> merges) throws IOException {
        AtomicFile.write(path, tmp -> {
            try (OutputStream file = Files.newOutputStream(tmp);
                 OutputStream out = path.getFileName().toString().endsWith(".gz") ? new GZIPOutputStream(file, 1 << 16) : file;
                 Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                w.write(header);
                w.write('\n');
                for (String[] m : merges) {
                    w.write(m[0]);
                    w.write(' ');
                    w.write(m[1]);
                    w.write('\n');
                }
            }
        });
    }

    int size() {
        return tokens.length;
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
