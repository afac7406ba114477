package dev.jclip.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.data.loader.Batch;
import dev.jclip.data.loader.DataLoader;
import dev.jclip.data.loader.LoaderConfig;
import dev.jclip.data.loader.LoaderPosition;
import dev.jclip.data.loader.WebDatasetSource;
import dev.jclip.data.loader.WordTokenizer;
import dev.jclip.data.shards.ShardSizes;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticShapesTest {
    @Test
    void samplesAreDeterministicAndCaptionsDescribeTheImage() {
        SyntheticShapes g = new SyntheticShapes(32, 1);
        assertArrayEquals(g.sample(17).image().rgb(), new SyntheticShapes(32, 1).sample(17).image().rgb());
        assertEquals(g.sample(17).caption(), new SyntheticShapes(32, 1).sample(17).caption());
        assertNotEquals(g.sample(17).caption() + g.sample(18).caption(), g.sample(17).caption() + g.sample(17).caption());
        for (int i = 0; i < 200; i++) {
            SyntheticShapes.Sample s = g.sample(i);
            String colour = SyntheticShapes.COLOURS.get(s.colour());
            String shape = SyntheticShapes.SHAPES.get(s.shape());
            assertTrue(s.caption().contains(colour + " " + shape), s.caption());
            assertTrue(s.caption().contains(SyntheticShapes.POSITIONS.get(s.position())), s.caption());
            assertEquals(colour + " " + shape, SyntheticShapes.classNames().get(s.classIndex()));
            // the shape is drawn: its colour covers a real share of the image, on the side the caption says
            int[] c = centroidOfColouredPixels(s);
            assertTrue(c[2] > 32 * 32 / 40, "coloured pixels " + c[2] + " in " + s.caption());
            switch (s.position()) {
                case 0 -> assertTrue(c[0] < 14, s.caption() + " x " + c[0]);
                case 1 -> assertTrue(c[0] > 18, s.caption() + " x " + c[0]);
                case 2 -> assertTrue(c[1] < 14, s.caption() + " y " + c[1]);
                case 3 -> assertTrue(c[1] > 18, s.caption() + " y " + c[1]);
                default -> assertTrue(Math.abs(c[0] - 16) < 4 && Math.abs(c[1] - 16) < 4, s.caption());
            }
        }
        assertEquals(24, SyntheticShapes.classNames().size());
    }

    /** Mean x, mean y and count of pixels that are clearly not the grey background. */
    private static int[] centroidOfColouredPixels(SyntheticShapes.Sample s) {
        long sx = 0, sy = 0, n = 0;
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
            int r = s.image().get(x, y, 0), g = s.image().get(x, y, 1), b = s.image().get(x, y, 2);
            if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
                sx += x;
                sy += y;
                n++;
            }
        }
        return new int[] {(int) (sx / Math.max(1, n)), (int) (sy / Math.max(1, n)), (int) n};
    }

    @Test
    void heldOutSetIsDisjointAndCoversEveryClass() {
        SyntheticShapes g = new SyntheticShapes(24, 3);
        List<SyntheticShapes.Sample> held = g.heldOut(400);
        Set<Integer> classes = new HashSet<>();
        for (SyntheticShapes.Sample s : held) classes.add(s.classIndex());
        assertEquals(24, classes.size());
        assertTrue(held.get(0).key().startsWith("heldout"));
        assertNotEquals(held.get(0).caption() + held.get(1).caption(), g.sample(0).caption() + g.sample(1).caption());
    }

    @Test
    void shardsLoadThroughTheLoader(@TempDir Path dir) throws Exception {
        SyntheticShapes g = new SyntheticShapes(32, 9);
        assertEquals(3, g.writeShards(dir, "syn", 25, 10, "jpg").size());
        assertEquals(Map.of("syn-00000.tar", 10, "syn-00001.tar", 10, "syn-00002.tar", 5), ShardSizes.read(dir));
        WebDatasetSource src = WebDatasetSource.of(dir + "/syn-{00000..00002}.tar", false);
        assertEquals(25L, src.knownSize());
        LoaderConfig cfg = LoaderConfig.builder(5).imageSize(32).contextLength(16).train(false).build();
        try (DataLoader l = DataLoader.open(src, new WordTokenizer(), cfg, LoaderPosition.start(0))) {
            Batch b = l.next();
            assertEquals(List.of("000000000", "000000001", "000000002", "000000003", "000000004"), b.keys());
            assertEquals(g.sample(3).caption(), b.captions().get(3));
        }
    }
}
