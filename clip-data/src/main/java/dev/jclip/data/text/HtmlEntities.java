package dev.jclip.data.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTML character references, decoded two ways: the way Python's {@code html.unescape} does (used twice by
 * CLIP's {@code basic_clean}), and the stricter way ftfy's {@code unescape_html} does (only complete
 * references ending in ';', plus upper-cased names such as {@code &EACUTE;}). The named references come from
 * the WHATWG HTML5 list, stored as a resource generated from Python's {@code html.entities.html5}.
 */
final class HtmlEntities {
    private static final String RESOURCE = "html5-entities.tsv";
    private static final int MAX_NAME = 32;

    /** name (with its ';' when the list has one) -> replacement. */
    private static final Map<String, String> HTML5 = load();
    /** "&name;" -> replacement, including ftfy's upper-case variants. */
    private static final Map<String, String> FTFY = buildFtfyTable();

    private HtmlEntities() {
    }

    private static Map<String, String> load() {
        Map<String, String> map = new HashMap<>(4096);
        try (InputStream in = HtmlEntities.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty() || line.startsWith("#")) continue;
                int tab = line.indexOf('\t');
                if (tab <= 0) throw new IllegalStateException(RESOURCE + " line " + lineNo + ": expected name<TAB>code points");
                StringBuilder value = new StringBuilder();
                for (String hex : line.substring(tab + 1).split(" ")) {
                    value.appendCodePoint(Integer.parseInt(hex, 16));
                }
                map.put(line.substring(0, tab), value.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    private static Map<String, String> buildFtfyTable() {
        Map<String, String> table = new HashMap<>(4096);
        for (Map.Entry<String, String> e : HTML5.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(";")) continue;
            table.put("&" + name, e.getValue());
            if (name.equals(name.toLowerCase(Locale.ROOT))) {
                String upper = "&" + name.toUpperCase(Locale.ROOT);
                if (pythonUnescape(upper).equals(upper)) {
                    table.put(upper, e.getValue().toUpperCase(Locale.ROOT));
                }
            }
        }
        return table;
    }

    /** Python's {@code html.unescape}: numeric references, and named ones with or without ';'. */
    static String pythonUnescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        int copied = 0;
        int i = amp;
        int n = s.length();
        while (i >= 0 && i < n) {
            int end = matchPythonReference(s, i);
            if (end < 0) {
                i = s.indexOf('&', i + 1);
                continue;
            }
            out.append(s, copied, i);
            out.append(replacePythonReference(s.substring(i + 1, end)));
            copied = end;
            i = s.indexOf('&', end);
        }
        out.append(s, copied, n);
        return out.toString();
    }

    /** End of the reference starting with '&' at {@code i} per {@code &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)}, or -1. */
    private static int matchPythonReference(String s, int i) {
        int n = s.length();
        int j = i + 1;
        if (j >= n) return -1;
        if (s.charAt(j) == '#') {
            j++;
            int start = j;
            while (j < n && isAsciiDigit(s.charAt(j))) j++;
            if (j == start) {
                if (j < n && (s.charAt(j) == 'x' || s.charAt(j) == 'X')) {
                    j++;
                    start = j;
                    while (j < n && isHexDigit(s.charAt(j))) j++;
                    if (j == start) return -1;
                } else {
                    return -1;
                }
            }
            if (j < n && s.charAt(j) == ';') j++;
            return j;
        }
        int count = 0;
        while (j < n && count < MAX_NAME && isNameChar(s.charAt(j))) {
            j += Character.charCount(s.codePointAt(j)); // Python counts code points
            count++;
        }
        if (count == 0) return -1;
        if (j < n && s.charAt(j) == ';') j++;
        return j;
    }

    private static boolean isNameChar(char c) {
        return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
    }

    private static String replacePythonReference(String ref) {
        if (ref.charAt(0) == '#') {
            boolean hex = ref.charAt(1) == 'x' || ref.charAt(1) == 'X';
            String digits = ref.substring(hex ? 2 : 1);
            if (digits.endsWith(";")) digits = digits.substring(0, digits.length() - 1);
            return numericReference(parseSaturated(digits, hex ? 16 : 10));
        }
        String value = HTML5.get(ref);
        if (value != null) return value;
        for (int x = ref.length() - 1; x > 1; x--) {
            value = HTML5.get(ref.substring(0, x));
            if (value != null) return value + ref.substring(x);
        }
        return "&" + ref;
    }

    /** Parses digits, saturating at a value beyond U+10FFFF (Python's int has no overflow). */
    private static long parseSaturated(String digits, int radix) {
        long v = 0;
        for (int k = 0; k < digits.length(); k++) {
            v = v * radix + Character.digit(digits.charAt(k), radix);
            if (v > 0x7FFFFFFFL) return 0x7FFFFFFFL;
        }
        return v;
    }

    /** What Python substitutes for {@code &#num;}, including its table of invalid references. */
    private static String numericReference(long num) {
        if (num == 0) return "\uFFFD";
        if (num == 0x0D) return "\r";
        if (num >= 0x80 && num <= 0x9F) return String.valueOf(TextRepairs.windows1252((int) num));
        if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
        int cp = (int) num;
        if ((cp >= 0x1 && cp <= 0x8) || cp == 0xB || (cp >= 0xE && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            return "";
        }
        return new String(Character.toChars(cp));
    }

    /**
     * ftfy's {@code unescape_html}: replaces matches of {@code &#?[0-9A-Za-z]{1,24};} that are complete
     * references and leaves everything else (e.g. "this&not that") alone.
     */
    static String ftfyUnescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder out = null;
        int copied = 0;
        int n = s.length();
        int i = amp;
        while (i >= 0 && i < n) {
            int j = i + 1;
            if (j < n && s.charAt(j) == '#') j++;
            int start = j;
            while (j < n && j - start < 24 && isAsciiAlnum(s.charAt(j))) j++;
            if (j == start || j >= n || s.charAt(j) != ';') {
                i = s.indexOf('&', i + 1);
                continue;
            }
            String ref = s.substring(i, j + 1);
            String replacement = FTFY.get(ref);
            if (replacement == null && ref.startsWith("&#")) {
                String un = pythonUnescape(ref);
                if (un.indexOf(';') < 0) replacement = un;
            }
            if (replacement != null) {
                if (out == null) out = new StringBuilder(n);
                out.append(s, copied, i).append(replacement);
                copied = j + 1;
            }
            i = s.indexOf('&', j + 1);
        }
        if (out == null) return s;
        return out.append(s, copied, n).toString();
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isAsciiAlnum(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
