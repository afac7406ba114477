package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.image.ImageSizeGuard;
import dev.jclip.data.shards.ShardWriter;
import dev.jclip.data.shards.TarSample;
import dev.jclip.data.shards.TarSampleReader;
import dev.jclip.data.text.ClipTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property tests of the data readers: image headers and decoding, tar shards, CSV manifests and the tokenizer,
 * over valid inputs mutated at random and random inputs. Each either reads or refuses with its documented
 * exception; nothing else escapes (no {@link Error}, no unchecked exception). Seeds are fixed; docs/RELIABILITY.md
 * says how to run longer.
 */
class DataReaderProperties {
    private static final String SEED = "20261204";
    private static final ClipTokenizer TOKENIZER = ClipTokenizer.openai();
    private static Path dir;
    private static byte[] png;
    private static byte[] jpeg;
    private static byte[] shard;

    @BeforeContainer
    static void validFiles() throws IOException {
        dir = Files.createTempDirectory("data-properties");
        png = Fixtures.png(12, 9, 1);
        jpeg = Fixtures.jpeg(16, 16, 2);
        try (ShardWriter w = new ShardWriter(dir, "s", 10)) {
            w.write("a", "png", png, "first caption", null);
            w.write("b", "jpg", jpeg, "second", "{\"caption\": \"second\"}".getBytes());
        }
        shard = Files.readAllBytes(dir.resolve("s-00000.tar"));
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        dev.jclip.core.testing.TestFolders.deleteFlat(dir);
    }

    @Provide
    Arbitrary<byte[]> mutatedImages() {
        return Arbitraries.oneOf(dev.jclip.core.testing.Mutations.of(png), dev.jclip.core.testing.Mutations.of(jpeg));
    }

    @Provide
    Arbitrary<byte[]> mutatedShards() {
        return dev.jclip.core.testing.Mutations.of(shard);
    }

    @Provide
    Arbitrary<String> csvText() { // separators, quotes and line ends are what the parser branches on
        return Arbitraries.strings().withChars("\t,\"\r\nab.png ").ofMaxLength(200).map(s -> "filepath\ttitle\n" + s);
    }

    @Property(seed = SEED)
    void imagesDecodeOrAreRefused(@ForAll("mutatedImages") byte[] image) {
        try {
            assertTrue(ImageDecoder.decode(image, AlphaBackground.WHITE).width() > 0);
        } catch (ImageDecodeException refused) {
            // corrupt, unsupported or too large: fine
        } catch (Throwable t) {
            fail("escaped the decoder: " + t, t);
        }
    }

    @Property(seed = SEED)
    void imageHeadersGiveASizeNothingOrTooLarge(@ForAll("mutatedImages") byte[] image) {
        try {
            long[] wh = ImageSizeGuard.checkHeader(image);
            assertTrue(wh == null || wh.length == 2);
        } catch (ImageDecodeException tooLarge) {
            // refused from the header: fine
        } catch (Throwable t) {
            fail("escaped the header check: " + t, t);
        }
    }

    @Property(seed = SEED)
    void shardsYieldSamplesOrAnIOException(@ForAll("mutatedShards") byte[] tar) {
        try (TarSampleReader r = new TarSampleReader("fuzz.tar", new ByteArrayInputStream(tar))) {
            int n = 0;
            for (TarSample s = r.next(); s != null; s = r.next()) assertTrue(++n <= 4, "more samples than members");
        } catch (IOException refused) {
            // truncated or unreadable: fine
        } catch (Throwable t) {
            fail("escaped the shard reader: " + t, t);
        }
    }

    @Property(seed = SEED)
    void manifestsParseOrAreRefused(@ForAll("csvText") String text) throws IOException {
        Path f = Files.writeString(dir.resolve("m.tsv"), text);
        try {
            CsvManifest m = CsvManifest.read(f, '\t', "filepath", "title");
            int last = 0;
            for (CsvManifest.Row row : m.rows()) {
                assertTrue(row.line() > last, "rows in line order");
                last = row.line();
                assertTrue((row.skipReason() == null) == (row.caption() != null && row.image() != null), row.toString());
            }
        } catch (IllegalArgumentException | IOException refused) {
            assertTrue(refused.getMessage().contains(f.toString()), refused.getMessage());
        } catch (Throwable t) {
            fail("escaped the manifest reader: " + t, t);
        }
    }

    @Property(seed = SEED)
    void anyTextTokenizesToAFramedRow(@ForAll @Size(max = 400) String text) {
        int[] ids = TOKENIZER.tokenize(text, 77, true);
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        assertTrue(Arrays.stream(ids).anyMatch(i -> i == 49407), "an end token");
        assertTrue(Arrays.stream(ids).allMatch(i -> i >= 0 && i < 49408));
        try {
            assertEquals(77, TOKENIZER.tokenize(text, 77, false).length);
        } catch (IllegalArgumentException tooLong) {
            // too long without truncation: the documented refusal
        }
    }
}
