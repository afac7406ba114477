package dev.jclip.core.model;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.CpuKernels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** The two towers of a training step at the same time give the bits of one after the other, and fail cleanly. */
class ConcurrentTowersTest {
    @AfterEach
    void processThreadCount() {
        CpuKernels.setThreads(0);
    }

    private static INDArray images(int batch, int size, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[batch * 3 * size * size];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return Nd4j.create(v, new long[]{batch, 3, size, size}, DataType.FLOAT);
    }

    private static INDArray tokens(int batch, int context, int vocab) {
        int[][] t = new int[batch][context];
        for (int i = 0; i < batch; i++) {
            t[i][0] = vocab - 2;
            for (int j = 1; j < 2 + i % (context - 3); j++) t[i][j] = 1 + (7 * i + 3 * j) % (vocab - 3);
            t[i][2 + i % (context - 3)] = vocab - 1;
        }
        return Nd4j.createFromArray(t);
    }

    /** Three steps' losses and gradients (and a ResNet's BatchNorm statistics) in one mode, at two kernel threads. */
    private static float[][] threeSteps(String preset, ConcurrentTowers mode, boolean expectConcurrent) {
        CpuKernels.setThreads(2);
        ClipConfig cfg = ClipConfig.preset(preset);
        INDArray images = images(6, cfg.vision().imageSize(), 11);
        INDArray tokens = tokens(6, cfg.text().contextLength(), cfg.text().vocabSize());
        try (ClipModel model = ClipModel.create(cfg, 5)) {
            model.setConcurrentTowers(mode);
            float[][] out = new float[3 * 2 + 1][];
            for (int step = 0; step < 3; step++) {   // a sizing step, the arena's first, and one in it
                model.parameters().zeroGrad();
                double loss = model.trainStep(images, tokens).loss();
                assertEquals(expectConcurrent, model.lastStepTiming().concurrent(), mode + " at two threads");
                out[2 * step] = new float[]{(float) loss};
                out[2 * step + 1] = model.parameters().flatGrads().dup().data().asFloat();
            }
            out[6] = model.parameters().buffers().values().stream().map(b -> b.dup().data().asFloat())
                    .reduce(new float[0], ConcurrentTowersTest::concat);
            return out;
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void aViTStepGivesTheSameBitsWithTheTowersAtOnce() {
        float[][] serial = threeSteps("ViT-tiny", ConcurrentTowers.OFF, false);
        float[][] concurrent = threeSteps("ViT-tiny", ConcurrentTowers.ON, true);
        for (int i = 0; i < serial.length; i++) assertArrayEquals(serial[i], concurrent[i], "entry " + i);
        assertTrue(serial[1].length > 100_000 && Arrays.stream(box(serial[1])).anyMatch(g -> g != 0), "gradients were computed");
    }

    @Test
    void aResNetStepGivesTheSameBitsWithTheTowersAtOnce() {
        float[][] serial = threeSteps("RN-tiny", ConcurrentTowers.OFF, false);
        float[][] concurrent = threeSteps("RN-tiny", ConcurrentTowers.ON, true);
        for (int i = 0; i < serial.length; i++) assertArrayEquals(serial[i], concurrent[i], "entry " + i);
        assertTrue(serial[6].length > 0, "BatchNorm running statistics compared");
    }

    private static double[] box(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void aFailureOnEitherSideIsReportedAndTheNextStepRuns() {
        CpuKernels.setThreads(2);
        ClipConfig cfg = ClipConfig.preset("ViT-tiny");
        int size = cfg.vision().imageSize(), ctx = cfg.text().contextLength(), vocab = cfg.text().vocabSize();
        java.util.Set<Thread> before = textThreads();
        java.util.Set<Thread> mine;
        try (ClipModel model = ClipModel.create(cfg, 5)) {
            model.setConcurrentTowers(ConcurrentTowers.ON);
            model.parameters().zeroGrad();
            double expected = model.trainStep(images(4, size, 1), tokens(4, ctx, vocab)).loss();

            // the text tower fails on its thread: the caller gets that failure, not a wrapper
            RuntimeException text = assertThrows(RuntimeException.class,
                    () -> model.trainStep(images(4, size, 1), tokens(4, ctx + 3, vocab)));
            assertFalse(text instanceof java.util.concurrent.CompletionException, text.toString());
            // the image tower (the calling thread) fails
            assertThrows(RuntimeException.class, () -> model.trainStep(images(4, size + 8, 1), tokens(4, ctx, vocab)));
            // the objective fails after both forwards: the text thread's backward never starts, its scope closes
            IllegalStateException objective = assertThrows(IllegalStateException.class, () -> model.trainStep(
                    images(4, size, 1), tokens(4, ctx, vocab), (fi, ft) -> {
                        throw new IllegalStateException("objective");
                    }));
            assertEquals("objective", objective.getMessage());

            model.parameters().zeroGrad();
            assertEquals(expected, model.trainStep(images(4, size, 1), tokens(4, ctx, vocab)).loss(), 0.0,
                    "a step after the failures runs as before");
            assertTrue(model.lastStepTiming().concurrent());
            mine = textThreads();
            mine.removeAll(before);
            assertEquals(1, mine.size(), "one text thread for every step of the model: " + mine);
        }
        for (Thread t : mine) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertFalse(t.isAlive(), "closing the model ends its text thread");
        }
    }

    private static java.util.Set<Thread> textThreads() {
        java.util.Set<Thread> s = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("jclip-text-tower") && t.isAlive()) s.add(t);
        }
        return s;
    }

    @Test
    void autoRunsSmallStepsAtOnceAndLargeOnesOneAfterTheOther() {
        try (ClipModel model = ClipModel.create(ClipConfig.preset("ViT-tiny"), 1)) {
            CpuKernels.setThreads(1);
            assertNull(model.towerThreads(64), "one thread: nothing to share");
            model.setConcurrentTowers(ConcurrentTowers.ON);
            assertNull(model.towerThreads(64), "ON still needs two threads");
            CpuKernels.setThreads(2);
            assertArrayEquals(new int[]{1, 1}, model.towerThreads(64));
            model.setConcurrentTowers(ConcurrentTowers.AUTO);
            assertArrayEquals(new int[]{1, 1}, model.towerThreads(64), "a small step at two threads");
            double perPair = FlopCounter.trainStepFlops(model.config(), 1);
            long large = (long) (2 * ClipModel.CONCURRENT_BELOW_FLOPS_PER_THREAD / perPair) + 1;
            assertNull(model.towerThreads(large), "a step that keeps two threads busy one tower at a time");
            CpuKernels.setThreads(4);
            assertArrayEquals(new int[]{2, 2}, model.towerThreads(64), "threads split by the towers' FLOPs");
            model.setConcurrentTowers(ConcurrentTowers.OFF);
            assertNull(model.towerThreads(64));
        }
    }
}
