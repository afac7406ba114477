package dev.jclip.data.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Cleaning cases whose expected results are documented ftfy / Python behaviour. */
class ClipTextCleanerTest {
    @Test
    void repairsMojibake() {
        assertEquals("único", TextRepairs.fixText("Ãºnico"));
        assertEquals("ünicode", TextRepairs.fixText("uÌˆnicode"));
        assertEquals("This — should be an em dash", TextRepairs.fixText("This â€” should be an em dash"));
        assertEquals("¯\\_(ツ)_/¯", TextRepairs.fixText("&macr;\\_(ã\u0083\u0084)_/&macr;"));
        assertEquals("The café is called Café Paris.", TextRepairs.fixText("The café is called CafÃ© Paris."));
        assertEquals("doubly café", TextRepairs.fixText("doubly cafÃƒÂ©"));
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
        assertEquals("fluffiest", TextRepairs.fixText("ﬂuﬃeﬆ"));
        assertEquals("LOUD NOISES", TextRepairs.fixText("ＬＯＵＤ　ＮＯＩＳＥＳ"));
        assertEquals("Uターン", TextRepairs.fixText("Ｕﾀｰﾝ"));
        assertEquals("\"here's a test\"", TextRepairs.fixText("\u201chere\u2019s a test\u201d"));
        assertEquals("I'm blue, da ba dee", TextRepairs.fixText("\u001b[36;44mI'm blue, da ba dee\u001b[0m"));
        assertEquals("a\nb\nc\nd", TextRepairs.fixText("a\r\nb\rc\u2028d"));
        assertEquals("ab\tc", TextRepairs.fixText("a\u0000\u0008b\u000b\tc\ufeff"));
        assertEquals("price €", TextRepairs.fixText("price \u0080"));
        assertEquals("é", TextRepairs.fixText("e\u0301"));
        assertEquals("\uFFFDx", TextRepairs.fixText("\ud800x"));
    }

    @Test
    void htmlAsFtfyAndPythonDoIt() {
        assertEquals("<tag>", HtmlEntities.ftfyUnescape("&lt;tag&gt;"));
        assertEquals("PÉREZ", HtmlEntities.ftfyUnescape("P&EACUTE;REZ"));
        assertEquals("ñ Ñ Ñ &nTILDE;", HtmlEntities.ftfyUnescape("&ntilde; &Ntilde; &NTILDE; &nTILDE;"));
        assertEquals("this&not that", HtmlEntities.ftfyUnescape("this&not that"));
        assertEquals("this¬ that", HtmlEntities.pythonUnescape("this&not that"));
        assertEquals("¬anentity;", HtmlEntities.pythonUnescape("&notanentity;"));
        assertEquals("€ \r \uFFFD  x", HtmlEntities.pythonUnescape("&#128; &#13; &#0; &#1; x"));
        assertEquals("😀 A", HtmlEntities.pythonUnescape("&#x1F600; &#65"));
        // ftfy unescapes until stable, then CLIP unescapes twice more
        assertEquals("triple & escaped", ClipTextCleaner.clean("triple &amp;amp;amp; escaped"));
        // a line with '<' keeps its entities through ftfy; CLIP's html.unescape still decodes them
        assertEquals("<p>fish & chips</p>", ClipTextCleaner.clean("<p>fish &amp; chips</p>"));
    }

    @Test
    void whitespaceAndCase() {
        assertEquals("don't stop me now!!! 😀 & café", ClipTextCleaner.clean("Don't  STOP   me\tnow!!! 😀 &amp; café"));
        assertEquals("", ClipTextCleaner.clean(" \u00a0\u3000\n"));
        assertEquals("\u03bf\u03b4\u03bf\u03c2 final", ClipTextCleaner.clean("ΟΔΟΣ FINAL"));   // final sigma, as Python
        assertEquals("i\u0307stanbul", ClipTextCleaner.clean("İstanbul"));
        // Python's Final_Sigma rule (verified with CPython 3.11): an uncased letter before it means plain sigma,
        // case-ignorable characters are skipped on both sides
        assertEquals("\u0644\u0301\u03c3\u0301|", ClipTextCleaner.pythonLower("\u0644\u0301\u03a3\u0301|"));
        assertEquals("a\u00b7\u03c2", ClipTextCleaner.pythonLower("A\u00b7\u03a3"));
        assertEquals("a\u03c3\u00b7b", ClipTextCleaner.pythonLower("A\u03a3\u00b7B"));
        assertEquals("a\u02b0\u03c2", ClipTextCleaner.pythonLower("A\u02b0\u03a3"));
        assertEquals("\u03c3", ClipTextCleaner.pythonLower("\u03a3"));
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
