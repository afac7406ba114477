package dev.jclip.data.text;

/**
 * CLIP's caption normalisation, as OpenAI's {@code SimpleTokenizer.encode} applies it before splitting:
 * {@code ftfy.fix_text}, {@code html.unescape} twice, whitespace runs collapsed to one space and trimmed,
 * lower case. Plain printable-ASCII captions without {@code &} take a shortcut with the same result.
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
        return nonAscii ? pythonLower(s) : s;
    }

    /**
     * Python's {@code str.lower()}: the simple lower-case mapping of each character, except U+0130 (which becomes
     * "i" + U+0307) and capital sigma, which becomes final sigma when a cased letter precedes it and none follows,
     * skipping case-ignorable characters (Unicode's Final_Sigma rule; Java's toLowerCase uses word boundaries
     * instead and differs after uncased letters such as CJK or Arabic).
     */
    static String pythonLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int n = s.length();
        for (int i = 0; i < n; ) {
            int cp = s.codePointAt(i);
            if (cp == 0x130) {
                out.append("i\u0307");
            } else if (cp == 0x3A3) {
                out.append(isFinalSigma(s, i) ? '\u03C2' : '\u03C3');
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static boolean isFinalSigma(String s, int at) {
        int j = at;
        int c = -1;
        while (j > 0) {
            c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!isCaseIgnorable(c)) break;
            c = -1;
        }
        if (c < 0 || !isCased(c)) return false;
        for (j = at + 1; j < s.length(); ) {
            c = s.codePointAt(j);
            if (!isCaseIgnorable(c)) return !isCased(c);
            j += Character.charCount(c);
        }
        return true;
    }

    private static boolean isCased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c);
    }

    /** Unicode Case_Ignorable: Mn, Me, Cf, Lm, Sk, and Word_Break MidLetter / MidNumLet / Single_Quote. */
    private static boolean isCaseIgnorable(int c) {
        switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL:
                return true;
            default:
                break;
        }
        switch (c) {
            case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
                    0xFF07, 0xFF0E, 0xFF1A:
                return true;
            default:
                return false;
        }
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
