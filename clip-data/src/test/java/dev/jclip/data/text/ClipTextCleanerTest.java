package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Cleaning cases whose expected results are documented ftfy / Python behaviour. */
class ClipTextCleanerTest {
    /** {@code f} maps each input to the expected output that follows it: input, expected, input, expected, ... */
    private static void maps(UnaryOperator<String> f, String... inputThenExpected) {
        for (int i = 0; i < inputThenExpected.length; i += 2) {
            assertEquals(inputThenExpected[i + 1], f.apply(inputThenExpected[i]), "input " + inputThenExpected[i]);
        }
    }

    @Test
    void repairsMojibake() {
        maps(TextRepairs::fixText,
                "Ãºnico", "único",
                "uÌˆnicode", "ünicode",
                "This â€” should be an em dash", "This — should be an em dash",
                "&macr;\\_(ã\u0083\u0084)_/&macr;", "¯\\_(ツ)_/¯",
                "The café is called CafÃ© Paris.", "The café is called Café Paris.",
                "doubly cafÃƒÂ©", "doubly café");
    }

    @Test
    void leavesLegitimateAccentsAlone() {
        for (String ok : List.of("This text is fine already :þ", "not such a fan of Charlotte Brontë…”",
                "AHÅ™, the new sofa from IKEA®", "naïve résumé", "“CAFÉ” sign", "Ærøskøbing")) {
            assertEquals(java.text.Normalizer.normalize(ok, java.text.Normalizer.Form.NFC).replace('“', '"').replace('”', '"'),
                    TextRepairs.fixText(ok), ok);
        }
    }

    @Test
    void characterFixes() {
        maps(TextRepairs::fixText,
                "ﬂuﬃeﬆ", "fluffiest",
                "ＬＯＵＤ　ＮＯＩＳＥＳ", "LOUD NOISES",
                "Ｕﾀｰﾝ", "Uターン",
                "\u201chere\u2019s a test\u201d", "\"here's a test\"",
                "\u001b[36;44mI'm blue, da ba dee\u001b[0m", "I'm blue, da ba dee",
                "a\r\nb\rc\u2028d", "a\nb\nc\nd",
                "a\u0000\u0008b\u000b\tc\ufeff", "ab\tc",
                "price \u0080", "price €",
                "e\u0301", "é",
                "\ud800x", "\uFFFDx");
    }

    @Test
    void htmlAsFtfyAndPythonDoIt() {
        maps(HtmlEntities::ftfyUnescape,
                "&lt;tag&gt;", "<tag>",
                "P&EACUTE;REZ", "PÉREZ",
                "&ntilde; &Ntilde; &NTILDE; &nTILDE;", "ñ Ñ Ñ &nTILDE;",
                "this&not that", "this&not that");
        maps(HtmlEntities::pythonUnescape,
                "this&not that", "this¬ that",
                "&notanentity;", "¬anentity;",
                "&#128; &#13; &#0; &#1; x", "€ \r \uFFFD  x",
                "&#x1F600; &#65", "😀 A");
        // ftfy unescapes until stable, then CLIP unescapes twice more
        maps(ClipTextCleaner::clean,
                "triple &amp;amp;amp; escaped", "triple & escaped",
                // a line with '<' keeps its entities through ftfy; CLIP's html.unescape still decodes them
                "<p>fish &amp; chips</p>", "<p>fish & chips</p>");
    }

    @Test
    void whitespaceAndCase() {
        maps(ClipTextCleaner::clean,
                "Don't  STOP   me\tnow!!! 😀 &amp; café", "don't stop me now!!! 😀 & café",
                " \u00a0\u3000\n", "",
                "ΟΔΟΣ FINAL", "\u03bf\u03b4\u03bf\u03c2 final", // final sigma, as Python
                "İstanbul", "i\u0307stanbul");
        // Python's Final_Sigma rule (verified with CPython 3.11): an uncased letter before it means plain sigma,
        // case-ignorable characters are skipped on both sides
        maps(ClipTextCleaner::pythonLower,
                "\u0644\u0301\u03a3\u0301|", "\u0644\u0301\u03c3\u0301|",
                "A\u00b7\u03a3", "a\u00b7\u03c2",
                "A\u03a3\u00b7B", "a\u03c3\u00b7b",
                "A\u02b0\u03a3", "a\u02b0\u03c2",
                "\u03a3", "\u03c3");
    }

    @Test
    void preTokenizerFollowsOpenAisPattern() {
        assertEquals(List.of("it", "'s", "a", "cat", "'s", "toy", "!", "1", "2", "3", "<|endoftext|>", "x"),
                PreTokenizer.split("it's a cat's toy! 123 <|endoftext|> x"));
        assertEquals(List.of("!<|", "endoftext", "|>"), PreTokenizer.split("!<|endoftext|>"));
        assertEquals(List.of("y", "'", "all", "'d", "'ve"), PreTokenizer.split("y'all'd've"));
        assertEquals(List.of("''", "s"), PreTokenizer.split("''s"));
        assertEquals(List.of("½", "ⅻ", "x", "²"), PreTokenizer.split("½ⅻx²"));
    }
}
