package dev.jclip.data.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * The repairs of ftfy's {@code fix_text} (version 6 defaults) that matter for web captions, in ftfy's order
 * and repeated until the text stops changing: HTML references, UTF-8 mojibake, C1 controls read as
 * Windows-1252, Latin ligatures, full/half-width forms, curly quotes, line breaks, lone surrogates,
 * terminal escapes, control characters, NFC. Mojibake repair is a subset of ftfy's: only text mis-decoded
 * as Latin-1 or Windows-1252 is recognised (see docs/TOKENIZER.md).
 */
final class TextRepairs {
    /** ftfy fixes lines longer than this (its max_decode_length) in pieces of this size; we count chars. */
    static final int MAX_DECODE_LENGTH = 1_000_000;
    /**
     * Bound on the fix-until-stable loop (ftfy has none). Real text settles in two or three rounds; only HTML
     * escaped more than 16 times over ("&amp;amp;amp;...") needs more, and unbounded rounds would make such
     * input quadratic.
     */
    private static final int MAX_ROUNDS = 16;

    private static final char[] CP1252_HIGH = new char[32];   // bytes 0x80..0x9F, undefined ones kept
    private static final byte[] CP1252_BYTE = new byte[0x2123]; // character -> byte 0x80..0x9F, 0 if none
    private static final String[] WIDTH = new String[0xFFF0 - 0xFF01];

    static {
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) b[i] = (byte) (0x80 + i);
        String decoded = new String(b, Charset.forName("windows-1252"));
        for (int i = 0; i < 32; i++) {
            char c = decoded.charAt(i);
            CP1252_HIGH[i] = c == '\uFFFD' ? (char) (0x80 + i) : c;
            CP1252_BYTE[CP1252_HIGH[i]] = (byte) (0x80 + i);
        }
        for (int cp = 0xFF01; cp < 0xFFF0; cp++) {
            String s = String.valueOf((char) cp);
            String k = Normalizer.normalize(s, Normalizer.Form.NFKC);
            WIDTH[cp - 0xFF01] = k.equals(s) ? null : k;
        }
    }

    private TextRepairs() {
    }

    /** The character "sloppy Windows-1252" gives byte {@code b} in 0x80..0x9F (unassigned bytes map to themselves). */
    static char windows1252(int b) {
        return CP1252_HIGH[b - 0x80];
    }

    /** The byte {@code c} has in sloppy Windows-1252, or -1. */
    static int sloppy1252Byte(char c) {
        if (c < 0x80 || (c >= 0xA0 && c <= 0xFF)) return c;
        int b = c < CP1252_BYTE.length ? CP1252_BYTE[c] & 0xFF : 0;
        return b == 0 ? -1 : b;
    }

    /** The byte a character had before a Latin-1 or Windows-1252 decoder turned it into that character, or -1. */
    private static int mojibakeByte(char c) {
        return c <= 0xFF ? c : sloppy1252Byte(c);
    }

    /**
     * ftfy.fix_text with default settings (subset described in the class comment): segment by segment, a
     * segment being a line, or {@link #MAX_DECODE_LENGTH} chars of a longer line.
     */
    static String fixText(String text) {
        StringBuilder out = null;
        boolean unescape = true;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int nl = text.indexOf('\n', pos);
            int end = nl < 0 ? n : nl + 1;
            if (end - pos > MAX_DECODE_LENGTH) {
                end = pos + MAX_DECODE_LENGTH;
                if (Character.isHighSurrogate(text.charAt(end - 1))) end++;   // Python counts code points
            }
            String segment = (pos == 0 && end == n) ? text : text.substring(pos, end);
            if (unescape && segment.indexOf('<') >= 0) unescape = false;   // looks like HTML: keep its entities
            String fixed = fixSegment(segment, unescape);
            if (pos == 0 && end == n) return fixed;
            if (out == null) out = new StringBuilder(n);
            out.append(fixed);
            pos = end;
        }
        return out == null ? text : out.toString();
    }

    private static String fixSegment(String text, boolean unescape) {
        if (isStable(text, unescape)) return text;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String orig = text;
            if (unescape) text = HtmlEntities.ftfyUnescape(text);
            if (isAscii(text)) {
                // Only these steps can change ASCII text (and they keep it ASCII).
                text = fixLineBreaks(text);
                text = removeTerminalEscapes(text);
                text = removeControlChars(text);
            } else {
                text = fixEncoding(text);
                text = fixC1Controls(text);
                text = fixLatinLigatures(text);
                text = fixCharacterWidth(text);
                text = uncurlQuotes(text);
                text = fixLineBreaks(text);
                text = fixSurrogates(text);
                text = removeTerminalEscapes(text);
                text = removeControlChars(text);
                if (!Normalizer.isNormalized(text, Normalizer.Form.NFC)) {
                    text = Normalizer.normalize(text, Normalizer.Form.NFC);
                }
            }
            if (text.equals(orig)) return text;
        }
        return text;
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) return false;
        }
        return true;
    }

    /**
     * True when no step of {@link #fixSegment} would change the text, so the first round would also be the
     * last: a single scan instead of two rounds of every step (most captions take this path).
     */
    private static boolean isStable(String text, boolean unescape) {
        boolean ascii = true;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (c < 0x20 ? (c != '\t' && c != '\n' && c != '\f') : (c == 0x7F || (c == '&' && unescape))) return false;
                continue;
            }
            ascii = false;
            if (c <= 0x9F || ligature(c) != null || c == '\u3000' || (c >= 0xFF01 && c < 0xFFF0 && WIDTH[c - 0xFF01] != null)
                    || c == '\u02BC' || (c >= '\u2018' && c <= '\u201F') || c == '\u2028' || c == '\u2029'
                    || isRemovedControl(c)) {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= n || !Character.isLowSurrogate(text.charAt(i + 1))) return false;
                i++;
                continue;
            }
            if (c >= 0xC2 && c <= 0xF4 && convincingSequenceAt(text, i) > 0) return false;
        }
        return ascii || Normalizer.isNormalized(text, Normalizer.Form.NFC);
    }

    // ---- mojibake ------------------------------------------------------------------------------------

    /** Re-decodes UTF-8 that was read as Latin-1 or Windows-1252, repeatedly (double encodings happen). */
    static String fixEncoding(String text) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String fixed = fixEncodingOnce(text);
            if (fixed.equals(text)) return text;
            text = fixed;
        }
        return text;
    }

    private static String fixEncodingOnce(String text) {
        if (!hasConvincingSequence(text)) return text;
        // The whole text was one UTF-8 string decoded with a single-byte codec: undo that.
        for (boolean latin1 : new boolean[] {true, false}) {
            byte[] bytes = encodeSingleByte(text, latin1);
            if (bytes == null) continue;
            String decoded = decodeUtf8(bytes, 0, bytes.length);
            if (decoded != null) return decoded;
        }
        // Otherwise (mixed with text that was decoded right) repair only the convincing sequences.
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int len = convincingSequenceAt(text, i);
            if (len > 0) {
                byte[] seq = new byte[len];
                for (int k = 0; k < len; k++) seq[k] = (byte) mojibakeByte(text.charAt(i + k));
                out.append(decodeUtf8(seq, 0, len));
                i += len;
            } else {
                out.append(text.charAt(i++));
            }
        }
        return out.toString();
    }

    private static boolean hasConvincingSequence(String text) {
        for (int i = 0; i + 1 < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0xC2 && c <= 0xF4 && convincingSequenceAt(text, i) > 0) return true;
        }
        return false;
    }

    /**
     * Length of a UTF-8 multi-byte sequence spelled at {@code i} by single-byte characters, or 0. Our stand-in
     * for ftfy's badness measure: an accented letter followed only by punctuation that commonly follows a
     * letter ("Brontë…”", "CAFÉ”", "AHÅ™") is legitimate text, not mojibake; 'Â' and 'Ã' (the leads of
     * U+0080..U+00FF, by far the most common mojibake) followed by any continuation are taken as mojibake.
     */
    private static int convincingSequenceAt(String text, int i) {
        int lead = mojibakeByte(text.charAt(i));
        int need = lead >= 0xC2 && lead <= 0xDF ? 1 : lead >= 0xE0 && lead <= 0xEF ? 2 : lead >= 0xF0 && lead <= 0xF4 ? 3 : 0;
        if (need == 0 || i + need >= text.length()) return 0;
        byte[] seq = new byte[need + 1];
        seq[0] = (byte) lead;
        boolean unusual = need == 1 && (lead == 0xC2 || lead == 0xC3);
        for (int k = 1; k <= need; k++) {
            char c = text.charAt(i + k);
            int b = mojibakeByte(c);
            if (b < 0x80 || b > 0xBF) return 0;
            seq[k] = (byte) b;
            if (!isPunctuationAfterLetter(c)) unusual = true;
        }
        return unusual && decodeUtf8(seq, 0, seq.length) != null ? need + 1 : 0;
    }

    private static boolean isPunctuationAfterLetter(char c) {
        switch (c) {
            case '\u2026': case '\u201C': case '\u201D': case '\u2018': case '\u2019': case '\u2013': case '\u2014':
            case '\u2022': case '\u00AB': case '\u00BB': case '\u00B0': case '\u00B7': case '\u00B4': case '\u00A8':
            case '\u00AE': case '\u00A9': case '\u2122': case '\u00B2': case '\u00B3': case '\u00B9': case '\u00A0':
                return true;
            default:
                return false;
        }
    }

    private static byte[] encodeSingleByte(String text, boolean latin1) {
        byte[] out = new byte[text.length()];
        for (int i = 0; i < out.length; i++) {
            char c = text.charAt(i);
            int b = latin1 ? (c <= 0xFF ? c : -1) : sloppy1252Byte(c);
            if (b < 0) return null;
            if (b == 0xED || b == 0xC0) return null;   // CESU-8 / Java's modified UTF-8: not handled
            out[i] = (byte) b;
        }
        return out;
    }

    private static String decodeUtf8(byte[] bytes, int off, int len) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer cb = d.decode(ByteBuffer.wrap(bytes, off, len));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ---- character-level fixes -------------------------------------------------------------------------

    static String fixC1Controls(String text) {
        int i = firstIndex(text, 0x80, 0x9F);
        if (i < 0) return text;
        char[] a = text.toCharArray();
        for (; i < a.length; i++) {
            if (a[i] >= 0x80 && a[i] <= 0x9F) a[i] = windows1252(a[i]);
        }
        return new String(a);
    }

    static String fixLatinLigatures(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            String rep = ligature(text.charAt(i));
            if (rep == null && out == null) continue;
            if (out == null) out = new StringBuilder(text.length() + 8).append(text, 0, i);
            if (rep == null) out.append(text.charAt(i));
            else out.append(rep);
        }
        return out == null ? text : out.toString();
    }

    private static String ligature(char c) {
        switch (c) {
            case '\u0132': return "IJ";
            case '\u0133': return "ij";
            case '\u0149': return "\u02BCn";
            case '\u01F1': return "DZ";
            case '\u01F2': return "Dz";
            case '\u01F3': return "dz";
            case '\u01C4': return "D\u017D";
            case '\u01C5': return "D\u017E";
            case '\u01C6': return "d\u017E";
            case '\u01C7': return "LJ";
            case '\u01C8': return "Lj";
            case '\u01C9': return "lj";
            case '\u01CA': return "NJ";
            case '\u01CB': return "Nj";
            case '\u01CC': return "nj";
            case '\uFB00': return "ff";
            case '\uFB01': return "fi";
            case '\uFB02': return "fl";
            case '\uFB03': return "ffi";
            case '\uFB04': return "ffl";
            case '\uFB05': return "\u017Ft";
            case '\uFB06': return "st";
            default: return null;
        }
    }

    static String fixCharacterWidth(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String rep = c == '\u3000' ? " " : (c >= 0xFF01 && c < 0xFFF0) ? WIDTH[c - 0xFF01] : null;
            if (rep == null && out == null) continue;
            if (out == null) out = new StringBuilder(text.length()).append(text, 0, i);
            if (rep == null) out.append(c);
            else out.append(rep);
        }
        return out == null ? text : out.toString();
    }

    static String uncurlQuotes(String text) {
        char[] a = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char rep = c == '\u02BC' || (c >= '\u2018' && c <= '\u201B') ? '\'' : (c >= '\u201C' && c <= '\u201F') ? '"' : 0;
            if (rep == 0) continue;
            if (a == null) a = text.toCharArray();
            a[i] = rep;
        }
        return a == null ? text : new String(a);
    }

    static String fixLineBreaks(String text) {
        StringBuilder out = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            boolean brk = c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (!brk && out == null) continue;
            if (out == null) out = new StringBuilder(n).append(text, 0, i);
            if (!brk) {
                out.append(c);
                continue;
            }
            out.append('\n');
            if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
        }
        return out == null ? text : out.toString();
    }

    static String fixSurrogates(String text) {
        char[] a = null;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) continue;
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
                continue;
            }
            if (a == null) a = text.toCharArray();
            a[i] = '\uFFFD';
        }
        return a == null ? text : new String(a);
    }

    /** Removes ANSI sequences {@code ESC [ (digit|;)* letter}. */
    static String removeTerminalEscapes(String text) {
        int esc = text.indexOf('\u001B');
        if (esc < 0) return text;
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int n = text.length();
        while (esc >= 0) {
            int j = esc + 1;
            if (j < n && text.charAt(j) == '[') {
                j++;
                while (j < n) {
                    int cp = text.codePointAt(j);
                    if (cp != ';' && !Character.isDigit(cp)) break;
                    j += Character.charCount(cp);
                }
                if (j < n && isAsciiLetter(text.charAt(j))) {
                    out.append(text, copied, esc);
                    copied = j + 1;
                    esc = text.indexOf('\u001B', j + 1);
                    continue;
                }
            }
            esc = text.indexOf('\u001B', esc + 1);
        }
        return out.append(text, copied, n).toString();
    }

    static String removeControlChars(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean drop = isRemovedControl(c);
            if (!drop && out == null) continue;
            if (out == null) out = new StringBuilder(text.length()).append(text, 0, i);
            if (!drop) out.append(c);
        }
        return out == null ? text : out.toString();
    }

    private static boolean isRemovedControl(char c) {
        return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F)
                || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static int firstIndex(String text, int lo, int hi) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= lo && c <= hi) return i;
        }
        return -1;
    }
}
