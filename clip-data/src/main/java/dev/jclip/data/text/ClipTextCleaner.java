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
        if (isPlainAscii(text)) return collapseWhitespaceAndLower(text);
        String t = TextRepairs.fixText(text);
        t = HtmlEntities.pythonUnescape(HtmlEntities.pythonUnescape(t));
        return collapseWhitespaceAndLower(t);
    }

    /** Printable ASCII plus tab/newline/CR/form feed and no '&': every ftfy and HTML step leaves it alone. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c > 0x7E || c == '&') return false;
        }
        return true;
    }

    private static String collapseWhitespaceAndLower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean pendingSpace = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isWhitespace(c)) {
                pendingSpace = out.length() > 0;
                continue;
            }
            if (pendingSpace) {
                out.append(' ');
                pendingSpace = false;
            }
            out.append(c);
        }
        return out.toString().toLowerCase(Locale.ROOT);
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
