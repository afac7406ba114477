package dev.jclip.cli.demo;

import dev.jclip.cli.UsageException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** emoji.json parsing, captions, and unpacking an npm tarball, without ND4J. */
class EmojiDataTest {
    @TempDir
    Path dir;

    @Test
    void trainStyleFindsDrawingsByCodePointsWithOrWithoutTheVariationSelector() throws Exception {
        Path png = dir.resolve("style");
        Files.createDirectories(png);
        Files.writeString(png.resolve("1f600.png"), "a");
        Files.writeString(png.resolve("0023-20e3.png"), "b");
        EmojiPackages.TrainStyle style = new EmojiPackages.TrainStyle("emojione", png);
        assertEquals(png.resolve("1f600.png"), style.image(emoji("1f600.png")));
        assertEquals(png.resolve("0023-20e3.png"), style.image(emoji("0023-fe0f-20e3.png")));
        assertEquals(null, style.image(emoji("1f601.png")));
        UsageException e = assertThrows(UsageException.class, () -> EmojiPackages.trainStyle(EmojiPackages.EMOJIONE, dir, null));
        assertTrue(e.getMessage().contains("assets/png"), e.getMessage());
    }

    private static Emoji emoji(String image) {
        return new Emoji("x", List.of("x"), "c", "s", image, 0);
    }

    @Test
    void catalogKeepsEntriesWithAnImageAndNormalisesWords() throws IOException {
        FakeEmojiPackages.write(dir);
        EmojiPackages.EmojiPackage google = EmojiPackages.find(dir, "google");
        List<Emoji> g = google.emoji();
        // all shapes x colours, plus "google only star"; "missing png star" has no file
        assertEquals(FakeEmojiPackages.usableEmoji() + 1, g.size());
        assertEquals(FakeEmojiPackages.usableEmoji(), EmojiPackages.find(dir, "twitter").emoji().size());
        Emoji first = g.get(0);
        assertEquals("red circle", first.name());
        assertEquals(List.of("red circle"), first.shortNames());
        assertEquals("circle shape", first.subcategory());
        assertEquals("round & pointed", first.category());
    }

    @Test
    void catalogErrorsNameTheFileAndEntry() throws IOException {
        Path json = dir.resolve("emoji.json");
        Files.createDirectories(dir.resolve("img"));
        Files.writeString(dir.resolve("img/a.png"), "x");
        Files.writeString(json, "[{\"image\":\"a.png\",\"has_img_google\":true,\"name\":\"A\",\"short_name\":\"a\",\"category\":\"C\"}]");
        IOException e = assertThrows(IOException.class, () -> EmojiCatalog.read(json, "google", dir.resolve("img")));
        assertTrue(e.getMessage().contains(json.toString()) && e.getMessage().contains("entry 0") && e.getMessage().contains("subcategory"),
                e.getMessage());
        Files.writeString(json, "{\"not\": \"an array\"}");
        e = assertThrows(IOException.class, () -> EmojiCatalog.read(json, "google", dir.resolve("img")));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }

    @Test
    void captionsUseDistinctTemplatesDeterministically() {
        Emoji e = new Emoji("grinning face", List.of("grinning", "grin"), "smileys & emotion", "face smiling", "1f600.png", 1);
        List<String> a = EmojiCaptions.training(e, 4, 7);
        assertEquals(a, EmojiCaptions.training(e, 4, 7));
        assertEquals(4, a.stream().distinct().count());
        for (String c : a) assertFalse(c.contains("{"), c);
        assertEquals("grinning, grin: face smiling", EmojiCaptions.fill("{shorts}: {sub}", e));
        assertEquals("an emoji of grinning face", EmojiCaptions.retrieval(e));
        assertEquals(EmojiCaptions.TRAIN_TEMPLATES.size(), EmojiCaptions.training(e, 100, 7).size());
    }

    @Test
    void unpacksOnlyTheNeededPartsOfTheTarball() throws IOException {
        Path tgz = dir.resolve("emoji-datasource-google-16.0.0.tgz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(tgz)))) {
            add(tar, "package/emoji.json", "[]");
            add(tar, "package/LICENSE", "MIT");
            add(tar, "package/img/google/64/1f600.png", "png-bytes");
            add(tar, "package/img/google/sheets/64.png", "sheet");
            add(tar, "package/img/google/64/sub/x.png", "nested");
        }
        Path target = dir.resolve("cache/emoji-datasource-google-16.0.0");
        Files.createDirectories(target.getParent());
        EmojiPackages.unpack(tgz, "google", target);
        assertEquals("[]", Files.readString(target.resolve("package/emoji.json")));
        assertEquals("png-bytes", Files.readString(target.resolve("package/img/google/64/1f600.png")));
        assertFalse(Files.exists(target.resolve("package/img/google/sheets")));
        assertFalse(Files.exists(target.resolve("package/img/google/64/sub")));
        // the temporary folder (each run unpacks into its own) is gone
        try (var left = Files.list(target.getParent())) {
            assertEquals(List.of(target.getFileName().toString()), left.map(p -> p.getFileName().toString()).toList());
        }
        // a copy completed meanwhile by another run is kept, not replaced under its readers
        Files.writeString(target.resolve("package/emoji.json"), "[{}]");
        EmojiPackages.unpack(tgz, "google", target);
        assertEquals("[{}]", Files.readString(target.resolve("package/emoji.json")));

        Path wrong = dir.resolve("wrong.tgz");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(Files.newOutputStream(wrong)))) {
            add(tar, "package/README.md", "hi");
        }
        Path failed = dir.resolve("failed");
        IOException e = assertThrows(IOException.class, () -> EmojiPackages.unpack(wrong, "google", failed.resolve("w")));
        assertTrue(e.getMessage().contains("emoji.json"), e.getMessage());
        try (var left = Files.list(failed)) {
            assertEquals(0, left.count(), "a failed unpack leaves its temporary folder");
        }
    }

    @Test
    void missingNpmGivesAClearMessage() {
        String old = System.getProperty(EmojiPackages.NPM_PROPERTY);
        System.setProperty(EmojiPackages.NPM_PROPERTY, dir.resolve("no-such-npm").toString());
        try {
            UsageException e = assertThrows(UsageException.class, () -> EmojiPackages.obtain(dir.resolve("cache"), "google"));
            assertTrue(e.getMessage().contains("npm") && e.getMessage().contains("--data"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(EmojiPackages.NPM_PROPERTY);
            else System.setProperty(EmojiPackages.NPM_PROPERTY, old);
        }
    }

    private static void add(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
    }
}
