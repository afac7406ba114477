package dev.jclip.data.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.data.shards.ShardSpec;
import dev.jclip.data.synth.SyntheticShapes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** open_clip's ResampledShards2: draws with replacement, one seeded sequence per reader, upsampling weights. */
class ResampledShardsTest {
    private static final List<String> FOUR = List.of("a.tar", "b.tar", "c.tar", "d.tar");

    private static List<String> draws(ResampledShards r, long seed, int epoch, ShardSlot slot, int n) {
        SplittableRandom rng = ResampledShards.generator(seed, epoch, slot);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(r.draw(rng));
        return out;
    }

    @Test
    void drawsWithReplacementOneSequencePerReaderDeterministicPerSeed() {
        ResampledShards r = new ResampledShards(FOUR, null);
        List<String> w0 = draws(r, 42, 0, ShardSlot.local(0, 2), 12);
        List<String> w1 = draws(r, 42, 0, ShardSlot.local(1, 2), 12);
        assertTrue(new HashSet<>(w0).size() < w0.size(), "12 draws from 4 shards repeat a shard: " + w0);
        assertNotEquals(w0, w1, "two workers draw different sequences");
        assertEquals(w0, draws(r, 42, 0, ShardSlot.local(0, 2), 12), "the same seed draws the same sequence");
        assertNotEquals(w0, draws(r, 43, 0, ShardSlot.local(0, 2), 12), "another seed, another sequence");
        assertNotEquals(w0, draws(r, 42, 1, ShardSlot.local(0, 2), 12), "another epoch, another sequence");
        // a rank's readers are distinct from every other rank's (the multi-process extension point)
        assertEquals(5, new ShardSlot(1, 2, 2, 3).index());
        assertNotEquals(w0, draws(r, 42, 0, new ShardSlot(1, 2, 0, 2), 12));
    }

    @Test
    void upsamplingFactorsSetTheDrawFrequencies() {
        // source A (2 shards, factor 1) and source B (1 shard, factor 4): per-shard weights 1, 1, 4 as open_clip's
        // expand_urls gives them, so B's shard is drawn 4/6 of the time and each of A's 1/6
        ResampledShards r = new ResampledShards(List.of("a0", "a1", "b0"), new double[] {1, 1, 4});
        int n = 60_000;
        Map<String, Integer> counts = new HashMap<>();
        for (String s : draws(r, 7, 0, ShardSlot.local(0, 1), n)) counts.merge(s, 1, Integer::sum);
        double[] expected = {1 / 6.0, 1 / 6.0, 4 / 6.0};
        String[] names = {"a0", "a1", "b0"};
        for (int i = 0; i < 3; i++) {
            double p = expected[i];
            double sd = Math.sqrt(n * p * (1 - p));
            assertEquals(n * p, counts.get(names[i]), 5 * sd, names[i] + " drawn " + counts.get(names[i]) + " times of " + n);
        }
        Map<String, Integer> uniform = new HashMap<>();
        for (String s : draws(new ResampledShards(List.of("a0", "a1", "b0"), null), 7, 0, ShardSlot.local(0, 1), n)) uniform.merge(s, 1, Integer::sum);
        assertEquals(n / 3.0, uniform.get("b0"), 5 * Math.sqrt(n * (1 / 3.0) * (2 / 3.0)), "without factors each shard a third");
        assertThrows(IllegalArgumentException.class, () -> new ResampledShards(List.of("a", "b"), new double[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> new ResampledShards(List.of("a", "b"), new double[] {1}));
    }

    @Test
    void theLoaderStreamInterleavesOneResampledSequencePerWorker(@TempDir Path dir) throws Exception {
        new SyntheticShapes(16, 3).writeShards(dir, "s", 8, 2, "png"); // 4 shards of 2 samples
        List<String> shards = ShardSpec.expand(dir + "/s-{00000..00003}.tar");
        WebDatasetSource source = new WebDatasetSource(shards, true);
        List<ShardSlot> two = List.of(ShardSlot.local(0, 2), ShardSlot.local(1, 2));
        List<String> interleaved = sources(source, two, 24);
        // reader w's samples are every other one, starting at w: each is its own draw sequence, 2 samples a shard
        ResampledShards r = new ResampledShards(shards, null);
        for (int w = 0; w < 2; w++) {
            List<String> expected = new ArrayList<>();
            for (String s : draws(r, 11, 0, ShardSlot.local(w, 2), 6)) {
                expected.add(s);
                expected.add(s);
            }
            List<String> got = new ArrayList<>();
            for (int i = w; i < interleaved.size(); i += 2) got.add(interleaved.get(i));
            assertEquals(expected, got, "reader " + w);
        }
        assertEquals(interleaved, sources(source, two, 24), "deterministic");
    }

    private static List<String> sources(WebDatasetSource source, List<ShardSlot> readers, int n) {
        List<String> out = new ArrayList<>();
        try (SampleStream s = source.open(11, 0, true, readers, new SkipCounter(), new AtomicLong())) {
            for (int i = 0; i < n; i++) out.add(s.next().source());
        }
        return out;
    }
}
