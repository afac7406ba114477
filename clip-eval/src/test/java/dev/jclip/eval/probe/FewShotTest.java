package dev.jclip.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.eval.Evaluations;
import dev.jclip.eval.report.EvalReport;
import dev.jclip.eval.report.ReportWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FewShotTest {
    /** A short C range and iteration cap: the tests need the protocol, not the last digit of each optimum. */
    private static final LinearProbe.Settings PROBE = new LinearProbe.Settings(0.25, 0, -2, 2, 1, new Lbfgs.Settings(10, 200, 1e-5, 64 * Math.ulp(1.0)));

    /** Class c at direction e_c plus Gaussian noise of the given size, in {@code dims} dimensions. */
    static double[][] blobs(Random rnd, int n, int[] y, int classes, int dims, double noise) {
        double[][] x = new double[n][dims];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int j = 0; j < dims; j++) x[i][j] = (j == y[i] ? 1 : 0) + noise * rnd.nextGaussian();
        }
        return x;
    }

    /** Train and test features of four classes, and their labels. */
    private record Split(double[][] xtr, int[] ytr, double[][] xte, int[] yte) {
        /** {@link #blobs} clusters: {@code train} then {@code test} points drawn from one generator seeded with {@code seed}. */
        static Split blobs(long seed, int train, int test, int dims, double noise) {
            Random rnd = new Random(seed);
            int[] ytr = new int[train];
            int[] yte = new int[test];
            double[][] xtr = FewShotTest.blobs(rnd, train, ytr, 4, dims, noise);
            return new Split(xtr, ytr, FewShotTest.blobs(rnd, test, yte, 4, dims, noise), yte);
        }

        FewShot.Result run(FewShot.Settings settings) {
            return FewShot.run(xtr, ytr, xte, yte, 4, settings);
        }
    }

    @Test
    void matchingShotsIsInterpolatedOnLog2() {
        List<FewShot.Point> pts = List.of(pt(1, 0.2), pt(2, 0.4), pt(4, 0.6), pt(8, 0.8));
        // 0.5 lies halfway between n = 2 and n = 4 in accuracy: log2 n = 1.5
        assertEquals(Math.pow(2, 1.5), FewShot.matchingShots(pts, 0.5).shots(), 1e-12);
        assertEquals(4.0, FewShot.matchingShots(pts, 0.6).shots(), 1e-12);
        // a quarter of the way from 4 to 8: 2^(2.25)
        assertEquals(Math.pow(2, 2.25), FewShot.matchingShots(pts, 0.65).shots(), 1e-12);
        assertEquals("below range", FewShot.matchingShots(pts, 0.1).status());
        assertTrue(Double.isNaN(FewShot.matchingShots(pts, 0.1).shots()));
        assertEquals("above range", FewShot.matchingShots(pts, 0.9).status());
        // a dip does not hide the first crossing: 1 -> 0.3, 2 -> 0.6, 4 -> 0.5, 16 -> 0.9; zero-shot 0.45
        List<FewShot.Point> dip = List.of(pt(1, 0.3), pt(2, 0.6), pt(4, 0.5), pt(16, 0.9));
        assertEquals(Math.pow(2, 0.5), FewShot.matchingShots(dip, 0.45).shots(), 1e-12);
        // unequal spacing: between 4 and 16 (log2 2 -> 4), 0.7 is a quarter of the way from 0.5 to 0.9 -> 2^(2.5)
        assertEquals(Math.pow(2, 2.5), FewShot.matchingShots(List.of(pt(4, 0.5), pt(16, 0.9)), 0.6).shots(), 1e-12);
    }

    private static FewShot.Point pt(int n, double mean) {
        return new FewShot.Point(n, mean, 0, List.of());
    }

    @Test
    void drawsTakeExactlyNPerClassFromThePoolDeterministically() {
        List<List<Integer>> pool = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < 10; i++) members.add(c * 100 + i);
            pool.add(members);
        }
        List<Integer> a = FewShot.draw(pool, 4, 7, 0);
        assertEquals(12, a.size());
        assertEquals(12, new HashSet<>(a).size(), "no repeats");
        for (int c = 0; c < 3; c++) {
            final int cls = c;
            assertEquals(4, a.stream().filter(i -> i / 100 == cls).count());
        }
        assertEquals(a, FewShot.draw(pool, 4, 7, 0), "same seed, same draw");
        assertNotEquals(a, FewShot.draw(pool, 4, 7, 1), "another draw");
        assertNotEquals(a, FewShot.draw(pool, 4, 8, 0), "another seed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FewShot.draw(pool, 11, 7, 0));
        assertTrue(e.getMessage().contains("class 0 has 10") && e.getMessage().contains("11 shots"), e.getMessage());
        // a class without any training data (null pool) is left out of the draw
        List<List<Integer>> gap = new ArrayList<>(pool);
        gap.set(1, null);
        assertEquals(8, FewShot.draw(gap, 4, 7, 0).size());
    }

    @Test
    void tooFewSamplesNamesTheClass() {
        float[][] x = {{1, 0}, {0, 1}, {1, 0.1f}, {0.1f, 1}, {1, 0.2f}};
        int[] y = {0, 1, 0, 1, 0}; // "dog" has two samples
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Evaluations.fewShot(x, y, x, y, List.of("cat", "dog"),
                new FewShot.Settings(List.of(3), 1, 0, 1.0, PROBE), Double.NaN, "pets", "m"));
        assertTrue(e.getMessage().contains("pets") && e.getMessage().contains("'dog'") && e.getMessage().contains("3 shots"), e.getMessage());
    }

    /** Noise-free clusters: one example per class already classifies every test point, in every draw. */
    @Test
    void separableClassesNeedOneShot() {
        FewShot.Result r = Split.blobs(1, 80, 40, 6, 0.01).run(new FewShot.Settings(List.of(1, 2), 3, 0, null, PROBE));
        for (FewShot.Point p : r.points()) {
            assertEquals(1.0, p.meanTop1(), 0, "shots " + p.shots());
            assertEquals(0.0, p.stdTop1(), 0);
            assertEquals(3, p.draws().size());
        }
        assertEquals(20, r.validationSize()); // a quarter of each class's 20
        assertEquals("below range", FewShot.matchingShots(r.points(), 0.9).status());
    }

    /** Features with no label information: the probe stays at chance however many shots it gets. */
    @Test
    void uninformativeFeaturesStayAtChance() {
        Random rnd = new Random(2);
        int n = 400;
        double[][] xtr = new double[n][8];
        int[] ytr = new int[n];
        double[][] xte = new double[n][8];
        int[] yte = new int[n];
        for (int i = 0; i < n; i++) {
            ytr[i] = i % 4;
            yte[i] = rnd.nextInt(4);
            for (int j = 0; j < 8; j++) {
                xtr[i][j] = rnd.nextGaussian();
                xte[i][j] = rnd.nextGaussian();
            }
        }
        FewShot.Result r = FewShot.run(xtr, ytr, xte, yte, 4, new FewShot.Settings(List.of(1, 16), 4, 0, 1.0, PROBE));
        for (FewShot.Point p : r.points()) assertTrue(Math.abs(p.meanTop1() - 0.25) < 0.08, "chance is 0.25, got " + p.meanTop1());
        assertEquals(0, r.validationSize(), "a fixed C needs no validation split");
        assertEquals(1.0, r.points().get(0).draws().get(0).c());
    }

    /** Noisy clusters: more shots give a better probe, and draws differ (a positive spread). */
    @Test
    void accuracyGrowsWithShotsAndTheReportHasEveryFigure() {
        Split data = Split.blobs(3, 400, 200, 16, 0.45);
        FewShot.Result r = data.run(new FewShot.Settings(List.of(16, 1), 3, 0, null, PROBE));
        assertEquals(List.of(1, 16), r.points().stream().map(FewShot.Point::shots).toList(), "sorted");
        double one = r.points().get(0).meanTop1();
        double sixteen = r.points().get(1).meanTop1();
        assertTrue(sixteen > one + 0.1, "1 shot " + one + ", 16 shots " + sixteen);
        assertTrue(r.points().get(0).stdTop1() > 0);
        // the same run again gives the same numbers (seeded draws, deterministic fits)
        FewShot.Result again = data.run(new FewShot.Settings(List.of(1, 16), 3, 0, null, PROBE));
        assertEquals(r.points(), again.points());

        float[][] ftr = toFloat(data.xtr());
        float[][] fte = toFloat(data.xte());
        double zeroShot = (one + sixteen) / 2;
        EvalReport rep = Evaluations.fewShot(ftr, data.ytr(), fte, data.yte(), List.of("a", "b", "c", "d"),
                new FewShot.Settings(List.of(1, 4, 16), 3, 0, 1.0, PROBE), zeroShot, "blobs", "features");
        Set<String> metrics = rep.metrics().keySet();
        for (int k : new int[] {1, 4, 16}) {
            assertTrue(metrics.contains("few_shot_top1@" + k) && metrics.contains("few_shot_top1_std@" + k), metrics.toString());
        }
        double shots = rep.metrics().get("zero_shot_matching_shots");
        assertTrue(shots > 1 && shots < 16, "zero-shot halfway between the 1- and 16-shot means is matched inside: " + shots);
        assertEquals(FewShot.matchingShots(pointsOf(rep), zeroShot).shots(), shots, 1e-12);
        String md = ReportWriter.markdown(rep);
        assertTrue(md.contains("labelled examples per class"), md);
        var json = ReportWriter.json(rep);
        assertEquals(3, json.get("few_shot").size());
        assertEquals(3, json.get("few_shot").get(0).get("top1_per_draw").size());
    }

    private static List<FewShot.Point> pointsOf(EvalReport rep) {
        List<FewShot.Point> out = new ArrayList<>();
        for (int k : new int[] {1, 4, 16}) out.add(pt(k, rep.metrics().get("few_shot_top1@" + k)));
        return out;
    }

    private static float[][] toFloat(double[][] x) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) out[i][j] = (float) x[i][j];
        }
        return out;
    }
}
