package dev.jclip.cli.demo;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The validation split: carved from the training style, disjoint from what is trained on and from the held-out set. */
class DemoDataTest {
    @TempDir
    Path dir;

    @Test
    void validationSplitIsDisjointFromTrainingAndHeldOut() throws Exception {
        FakeEmojiPackages.write(dir.resolve("pkg"));
        EmojiPackages.EmojiPackage google = EmojiPackages.find(dir.resolve("pkg"), EmojiPackages.TRAIN_SET);
        EmojiPackages.EmojiPackage twitter = EmojiPackages.find(dir.resolve("pkg"), EmojiPackages.HELD_OUT_SET);
        DemoData data = DemoData.prepare(google, twitter, null, List.of(), dir.resolve("data"), 0, 5, DemoRun.DEFAULT_CAPTIONS, DemoData.VALIDATION_FRACTION);

        // 4 subcategories of 8 emoji: 2 of each (15% rounds to 1, at least 2) for validation, 6 to train on
        int n = FakeEmojiPackages.usableEmoji();
        assertEquals(8, data.validation().size());
        assertEquals(n - 8, data.trainEmoji().size());
        Map<String, Long> perSub = data.validation().stream().collect(Collectors.groupingBy(Emoji::subcategory, Collectors.counting()));
        assertEquals(Map.of("circle shape", 2L, "square shape", 2L, "triangle shape", 2L, "diamond shape", 2L), perSub);

        // by emoji: validation shares none with training or the held-out set, which holds exactly the trained emoji
        Set<String> val = names(data.validation());
        Set<String> train = names(data.trainEmoji());
        Set<String> held = names(data.heldOut());
        assertTrue(val.stream().noneMatch(train::contains), "validation emoji trained on");
        assertTrue(val.stream().noneMatch(held::contains), "validation emoji held out");
        assertEquals(train, held);
        for (String c : data.captions()) {
            for (Emoji e : data.validation()) assertFalse(c.contains(e.name()), "caption of a validation emoji: " + c);
        }

        // by bytes: the validation images are the training style's files, and no shard sample is one of them
        List<String> csv = Files.readAllLines(data.validationCsv());
        assertEquals(9, csv.size());
        Set<String> valBytes = new HashSet<>();
        for (Emoji e : data.validation()) {
            byte[] b = Files.readAllBytes(data.validationImage(e));
            assertTrue(Arrays.equals(Files.readAllBytes(google.imageDir().resolve(e.image())), b));
            valBytes.add(Arrays.toString(b));
        }
        int pngs = 0;
        try (var shards = Files.list(dir.resolve("data/train"))) {
            for (Path shard : shards.filter(p -> p.toString().endsWith(".tar")).toList()) {
                try (InputStream in = Files.newInputStream(shard); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                    for (TarArchiveEntry en; (en = tar.getNextEntry()) != null; ) {
                        if (!en.getName().endsWith(".png")) continue;
                        pngs++;
                        assertFalse(valBytes.contains(Arrays.toString(tar.readAllBytes())), "validation image in " + shard + ": " + en.getName());
                    }
                }
            }
        }
        assertEquals((n - 8) * DemoRun.DEFAULT_CAPTIONS, pngs);

        // the split is a function of the seed: the same again, another with another seed
        assertEquals(data.validation(), DemoData.validationSplit(concepts(google, twitter), 5, DemoData.VALIDATION_FRACTION));
        assertFalse(data.validation().equals(DemoData.validationSplit(concepts(google, twitter), 6, DemoData.VALIDATION_FRACTION))
                && data.validation().equals(DemoData.validationSplit(concepts(google, twitter), 7, DemoData.VALIDATION_FRACTION)));
    }

    @Test
    void secondTrainingStyleSpreadsTheSamePairsAndTrainsOnNoValidationEmoji() throws Exception {
        FakeEmojiPackages.write(dir.resolve("pkg"));
        FakeEmojiPackages.writeEmojione(dir.resolve("pkg"));
        EmojiPackages.EmojiPackage google = EmojiPackages.find(dir.resolve("pkg"), EmojiPackages.TRAIN_SET);
        EmojiPackages.EmojiPackage twitter = EmojiPackages.find(dir.resolve("pkg"), EmojiPackages.HELD_OUT_SET);
        EmojiPackages.EmojiPackage facebook = EmojiPackages.find(dir.resolve("pkg"), "facebook");
        EmojiPackages.TrainStyle emojione = EmojiPackages.trainStyle(EmojiPackages.EMOJIONE, dir.resolve("pkg"), null);
        DemoData one = DemoData.prepare(google, twitter, facebook, List.of(), dir.resolve("one"), 0, 5, DemoRun.DEFAULT_CAPTIONS,
                DemoData.VALIDATION_FRACTION);
        DemoData two = DemoData.prepare(google, twitter, facebook, List.of(emojione), dir.resolve("two"), 0, 5, DemoRun.DEFAULT_CAPTIONS,
                DemoData.VALIDATION_FRACTION);

        // the same emoji, captions and split: only the drawings of the training pairs differ
        assertEquals(one.validation(), two.validation());
        assertEquals(one.trainEmoji(), two.trainEmoji());
        assertEquals(one.heldOut(), two.heldOut());
        assertEquals(one.captions(), two.captions());
        assertEquals(one.trainSamples(), two.trainSamples());
        assertTrue(Files.readString(dir.resolve("two/data.json")).contains("more_train_images"));
        assertFalse(Files.readString(dir.resolve("one/data.json")).contains("more_train_images"));

        // no validation emoji's image in any style is a shard sample; every trained emoji that EmojiOne draws is
        // there once full size in that style (copy 1), and the others only in the google style
        Set<String> validationBytes = new HashSet<>();
        for (Emoji e : two.validation()) {
            for (Path folder : List.of(google.imageDir(), twitter.imageDir(), facebook.imageDir())) {
                validationBytes.add(Arrays.toString(Files.readAllBytes(folder.resolve(e.image()))));
            }
            Path drawn = emojione.image(e);
            if (drawn != null) validationBytes.add(Arrays.toString(Files.readAllBytes(drawn)));
        }
        Map<String, String> emojioneBytes = new java.util.HashMap<>();
        for (Emoji e : two.trainEmoji()) {
            Path drawn = emojione.image(e);
            if (drawn != null) emojioneBytes.put(Arrays.toString(Files.readAllBytes(drawn)), e.image());
        }
        assertTrue(emojioneBytes.size() > 0 && emojioneBytes.size() < two.trainEmoji().size(), "some, not all, drawn by emojione");
        List<String> seen = new java.util.ArrayList<>();
        int pngs = 0;
        try (var shards = Files.list(dir.resolve("two/train"))) {
            for (Path shard : shards.filter(p -> p.toString().endsWith(".tar")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(shard); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
                    for (TarArchiveEntry en; (en = tar.getNextEntry()) != null; ) {
                        if (!en.getName().endsWith(".png")) continue;
                        pngs++;
                        String b = Arrays.toString(tar.readAllBytes());
                        assertFalse(validationBytes.contains(b), "a validation emoji's image in " + shard + ": " + en.getName());
                        if (emojioneBytes.containsKey(b)) {
                            // copy 1 is the full-size emojione drawing; a shrunk copy (3, 5, 7) can round back to full size
                            assertTrue(en.getName().matches(".*_c[1357]\\.png"), "an emojione drawing as an odd copy: " + en.getName());
                            if (en.getName().endsWith("_c1.png")) seen.add(emojioneBytes.get(b));
                        }
                    }
                }
            }
        }
        assertEquals(two.trainSamples(), pngs);
        assertEquals(emojioneBytes.size(), seen.size());
        assertEquals(new HashSet<>(emojioneBytes.values()), new HashSet<>(seen));
    }

    private static List<Emoji> concepts(EmojiPackages.EmojiPackage google, EmojiPackages.EmojiPackage twitter) throws Exception {
        Set<String> inTwitter = names(twitter.emoji());
        return google.emoji().stream().filter(e -> inTwitter.contains(e.image())).toList();
    }

    private static Set<String> names(List<Emoji> emoji) {
        return emoji.stream().map(Emoji::image).collect(Collectors.toSet());
    }
}
