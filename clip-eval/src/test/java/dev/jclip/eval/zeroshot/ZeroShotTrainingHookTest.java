package dev.jclip.eval.zeroshot;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.data.DatasetSpec;
import dev.jclip.eval.data.LabelledImageDataset;
import dev.jclip.train.dist.DistributedRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Zero-shot evaluation during a distributed run: spread over the ranks, the one-process metrics on every rank. */
class ZeroShotTrainingHookTest {
    @TempDir
    Path tmp;

    /** Counts decodes per sample, and fails on request. */
    private static final class Counting implements LabelledImageDataset {
        final LabelledImageDataset base;
        final Map<Integer, AtomicInteger> decodes = new ConcurrentHashMap<>();
        volatile boolean broken;

        Counting(LabelledImageDataset base) {
            this.base = base;
        }

        @Override public String name() { return base.name(); }
        @Override public List<String> classNames() { return base.classNames(); }
        @Override public int size() { return base.size(); }
        @Override public int label(int i) { return base.label(i); }
        @Override public String fingerprint() throws IOException { return base.fingerprint(); }

        @Override
        public BufferedImage image(int i) throws IOException {
            if (broken) throw new IOException("unreadable image " + i);
            decodes.computeIfAbsent(i, k -> new AtomicInteger()).incrementAndGet();
            return base.image(i);
        }

        int total() {
            return decodes.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    private ZeroShotTrainingHook hook(Counting images) throws IOException {
        SyntheticShapes synth = new SyntheticShapes(32, 5);
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < 48; i++) bpe.addCaption(synth.sample(i).caption());
        bpe.addCaption("a photo of a");
        Path vocab = tmp.resolve("vocab.txt");
        bpe.trainAndWrite(vocab);
        return new ZeroShotTrainingHook(images, List.of("a photo of a {}.", "a {}."), ClipTokenizer.load(vocab));
    }

    private Counting folder() throws IOException {
        Path zs = tmp.resolve("zeroshot");
        for (SyntheticShapes.Sample s : new SyntheticShapes(32, 5).heldOut(14)) {
            Path dir = zs.resolve(SyntheticShapes.COLOURS.get(s.colour()) + " " + SyntheticShapes.SHAPES.get(s.shape()));
            Files.createDirectories(dir);
            Files.write(dir.resolve(s.key() + ".png"), ImageEncoder.png(s.image()));
        }
        return new Counting(DatasetSpec.open(zs.toString(), null));
    }

    private static List<Map<String, Double>> onRanks(int world, ZeroShotTrainingHook hook) throws Exception {
        ClipConfig cfg = ClipConfig.preset("ViT-tiny");
        return DistributedRuns.onRanks(world, Duration.ofMinutes(2), c -> {
            try (ClipModel model = ClipModel.create(cfg, 5)) {   // each rank its own copy of the weights
                model.setTraining(false);
                return hook.evaluate(model, 7, c);
            }
        });
    }

    @Test
    void ranksSplitTheImagesAndAgreeWithOneProcess() throws Exception {
        Counting images = folder();
        ZeroShotTrainingHook hook = hook(images);
        Map<String, Double> one;
        try (ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 5)) {
            model.setTraining(false);
            one = hook.evaluate(model, 7);
        }
        assertEquals(14, images.total());
        images.decodes.clear();
        List<Map<String, Double>> ranks = onRanks(3, hook);
        for (Map<String, Double> m : ranks) assertEquals(one, m);
        // every image decoded once, by one rank: 5, 5 and 4 of the 14
        assertEquals(14, images.total());
        assertTrue(images.decodes.values().stream().allMatch(n -> n.get() == 1));

        // a rank that fails makes every rank fail, none waits
        images.broken = true;
        Exception e = assertThrows(Exception.class, () -> onRanks(3, hook));
        assertTrue(e.getMessage().contains("zero-shot evaluation failed on 3 rank(s)"), e.getMessage());
    }
}
