package dev.jclip.data.text;

import java.util.Locale;

/**
 * CLIP's caption normalisation, as OpenAI's {@code SimpleTokenizer.encode} applies it before splitting:
 * {@code ftfy.fix_text}, {@code html.unescape} twice, whitespace runs collapsed to one space and trimmed,
 * lower case. Plain printable-ASCII captions without '&' take a shortcut with the same result.
 */
public final class ClipTextCleaner {
    private ClipTextCleaner() {
    }

    /** The text exactly as CLIP's pre-tokenizer sees it. */
    public static String clean(String text) {
        String plain = collapsePlainAscii(text);
        if (plain != null) return plain;
        String t = TextRepairs.fixText(text);
        t = HtmlEntities.pythonUnescape(HtmlEntities.pythonUnescape(t));
        return collapseWhitespaceAndLower(t);
    }

    /**
     * The cleaned text if it is printable ASCII plus tab/newline/CR/form feed without '&' (every ftfy
     * and HTML step leaves such text alone), else null. One pass: collapse, trim and lower at once.
     */
    private static String collapsePlainAscii(String text) {
        int len = text.length();
        byte[] out = new byte[len];
        int n = 0;
        boolean pendingSpace = false;
        for (int i = 0; i < len; i++) {
            char c = text.charAt(i);
            if (c > 0x20) {
                if (c > 0x7E || c == '&') return null;
                if (pendingSpace) {
                    out[n++] = ' ';
                    pendingSpace = false;
                }
                out[n++] = (byte) (c >= 'A' && c <= 'Z' ? c + 32 : c);
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                pendingSpace = n > 0;
            } else {
                return null;   // other controls: ftfy removes them (or they start a terminal escape)
            }
        }
        return new String(out, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Python's {@code re.sub(r'\s+', ' ', t).strip().lower()}; ASCII is lowered inline, the rest by Java's full case mapping. */
    private static String collapseWhitespaceAndLower(String text) {
        char[] out = new char[text.length()];
        int n = 0;
        boolean pendingSpace = false;
        boolean nonAscii = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isWhitespace(c)) {
                pendingSpace = n > 0;
                continue;
            }
            if (pendingSpace) {
                out[n++] = ' ';
                pendingSpace = false;
            }
            if (c >= 'A' && c <= 'Z') c += 32;
            else if (c >= 0x80) nonAscii = true;
            out[n++] = c;
        }
        String s = new String(out, 0, n);
        return nonAscii ? s.toLowerCase(Locale.ROOT) : s;
    }

    /**
     * The characters Python's {@code regex} module matches with {@code \s}: Unicode White_Space. (0x1C..0x1F,
     * which Python's str.strip also removes, never get here: ftfy deletes them.)
     */
    static boolean isWhitespace(int c) {
        if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}
