package dev.jclip.data.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits cleaned text the way OpenAI's pattern does,
 * {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 * (case-insensitive), as a single forward scan: at each position the first alternative that matches wins,
 * exactly as with the regex, but without backtracking, so any input takes linear time.
 */
final class PreTokenizer {
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    private static final String[] CONTRACTIONS = {"s", "t", "re", "ve", "m", "ll", "d"};

    /** Receives each piece as a range of the scanned text. */
    interface PieceSink {
        /** @return false to stop scanning */
        boolean piece(String text, int start, int end);
    }

    private PreTokenizer() {
    }

    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        scan(text, (t, s, e) -> out.add(t.substring(s, e)));
        return out;
    }

    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte OTHER = 4;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = Character.isLetter(c) ? LETTER : isNumber(c) ? NUMBER : ClipTextCleaner.isWhitespace(c) ? SPACE : OTHER;
        }
    }

    /** LETTER (\p{L}), NUMBER (\p{N}), SPACE (\s) or OTHER. */
    private static byte classOf(int cp) {
        if (cp < 128) return ASCII_CLASS[cp];
        if (Character.isLetter(cp)) return LETTER;
        if (isNumber(cp)) return NUMBER;
        return ClipTextCleaner.isWhitespace(cp) ? SPACE : OTHER;
    }

    static void scan(String text, PieceSink sink) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            int end;
            byte cls;
            if (cp == '<' && (end = matchSpecial(text, i)) > 0) {
                // special token
            } else if (cp == '\'' && (end = matchContraction(text, i)) > 0) {
                // contraction
            } else if ((cls = classOf(cp)) == LETTER) {
                end = i + Character.charCount(cp);
                while (end < n) {
                    int c = text.codePointAt(end);
                    if (classOf(c) != LETTER) break;
                    end += Character.charCount(c);
                }
            } else if (cls == NUMBER) {
                end = i + Character.charCount(cp);
            } else if (cls == SPACE) {
                i += Character.charCount(cp);
                continue;
            } else {
                end = i + Character.charCount(cp);
                while (end < n) {
                    int c = text.codePointAt(end);
                    if (classOf(c) != OTHER) break;
                    end += Character.charCount(c);
                }
            }
            if (!sink.piece(text, i, end)) return;
            i = end;
        }
    }

    static boolean isNumber(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    private static int matchSpecial(String text, int i) {
        if (regionMatchesIgnoreCase(text, i, START_OF_TEXT)) return i + START_OF_TEXT.length();
        if (regionMatchesIgnoreCase(text, i, END_OF_TEXT)) return i + END_OF_TEXT.length();
        return -1;
    }

    private static int matchContraction(String text, int i) {
        for (String c : CONTRACTIONS) {
            if (regionMatchesIgnoreCase(text, i + 1, c)) return i + 1 + c.length();
        }
        return -1;
    }

    /**
     * Case-insensitive match against a lower-case ASCII literal with the regex module's simple case folding:
     * besides the upper-case letter, 'ſ' (U+017F) folds to 's' and the Kelvin sign (U+212A) to 'k'.
     */
    private static boolean regionMatchesIgnoreCase(String text, int at, String lowerLiteral) {
        if (at + lowerLiteral.length() > text.length()) return false;
        for (int k = 0; k < lowerLiteral.length(); k++) {
            char want = lowerLiteral.charAt(k);
            char c = text.charAt(at + k);
            if (c == want) continue;
            if (want >= 'a' && want <= 'z' && c == (char) (want - 32)) continue;
            if (want == 's' && c == '\u017F') continue;
            if (want == 'k' && c == '\u212A') continue;
            return false;
        }
        return true;
    }
}
