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
        DemoData data = DemoData.prepare(google, twitter, null, dir.resolve("data"), 0, 5, DemoRun.DEFAULT_CAPTIONS, DemoData.VALIDATION_FRACTION);

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

    private static List<Emoji> concepts(EmojiPackages.EmojiPackage google, EmojiPackages.EmojiPackage twitter) throws Exception {
        Set<String> inTwitter = names(twitter.emoji());
        return google.emoji().stream().filter(e -> inTwitter.contains(e.image())).toList();
    }

    private static Set<String> names(List<Emoji> emoji) {
        return emoji.stream().map(Emoji::image).collect(Collectors.toSet());
    }
}
