package dev.jclip.train.bench;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ConcurrentTowers;
import dev.jclip.core.nn.Precision;
import dev.jclip.core.model.FlopCounter;
import dev.jclip.train.optim.AdamW;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Times full training steps (forward, contrastive loss, backward, AdamW update, logit-scale clamp) on random
 * data of the model's shapes, after warm-up steps, and reports the median with throughput, FLOP rate and memory,
 * and each tower's share (forward + backward). The config's patch dropout applies (a new draw every step).
 */
public final class TrainBenchmark {
    private TrainBenchmark() {
    }

    public static Map<String, Object> run(ClipConfig cfg, int batch, int steps, int warmup, long seed) {
        return run(cfg, batch, steps, warmup, 0, seed);
    }

    /**
     * @param warmup        untimed steps first, at least this many ...
     * @param warmupSeconds ... and for at least this long: the JIT compiles the fused kernels' loops only after
     *                      thousands of calls, so a short warm-up times interpreted code (a SMALL step took 30 ms
     *                      after 2 warm-up steps and 20 ms after 3 seconds)
     */
    public static Map<String, Object> run(ClipConfig cfg, int batch, int steps, int warmup, double warmupSeconds, long seed) {
        return run(cfg, batch, steps, warmup, warmupSeconds, seed, false);
    }

    /**
     * @param gradCheckpointing activation checkpointing of both towers' transformer blocks
     *                          ({@link ClipModel#setGradCheckpointing})
     */
    public static Map<String, Object> run(ClipConfig cfg, int batch, int steps, int warmup, double warmupSeconds, long seed,
                                          boolean gradCheckpointing) {
        return run(cfg, batch, steps, warmup, warmupSeconds, seed, gradCheckpointing, ConcurrentTowers.AUTO, Precision.FLOAT32);
    }

    /**
     * @param concurrentTowers whether the towers run at the same time ({@link ClipModel#setConcurrentTowers})
     * @param precision        the towers' matrix products' number format ({@link ClipModel#setPrecision})
     */
    public static Map<String, Object> run(ClipConfig cfg, int batch, int steps, int warmup, double warmupSeconds, long seed,
                                          boolean gradCheckpointing, ConcurrentTowers concurrentTowers, Precision precision) {
        ClipModel model = ClipModel.create(cfg, seed);
        model.setTraining(true);
        model.setGradCheckpointing(gradCheckpointing);
        model.setConcurrentTowers(concurrentTowers);
        model.setPrecision(precision);
        boolean resnet = cfg.vision().isResNet();
        AdamW opt = new AdamW(model.parameters(), resnet ? AdamW.Hyper.resnet() : AdamW.Hyper.vit());
        int s = cfg.vision().imageSize();
        INDArray images = randomImages(batch, s, seed);
        INDArray tokens = randomTokens(batch, cfg.text().contextLength(), cfg.text().vocabSize(), seed);
        long[] towerNanos = new long[2];   // image, text: forward + backward of the last step
        long[] keptBytes = {0};            // the largest forward's allocations kept for backward, every thread's
        int[] stepIndex = {0};
        java.util.function.DoubleSupplier step = () -> {   // one full training step; returns its loss
            model.parameters().zeroGrad();
            model.seedRandomness(seed + stepIndex[0]++, 0);   // patch dropout: another draw each step
            double l = model.trainStep(images, tokens).loss();
            ClipModel.StepTiming timing = model.lastStepTiming();
            if (timing != null) {   // none for a caption-predicting objective: one tower and a head
                towerNanos[0] = timing.imageNanos();
                towerNanos[1] = timing.textNanos();
                keptBytes[0] = Math.max(keptBytes[0], timing.forwardBytes());
            }
            opt.step(5e-4);
            model.clampLogitScale();
            return l;
        };
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warmed = 0;
        while (warmed < warmup || System.nanoTime() < warmupEnd) {
            step.getAsDouble();
            warmed++;
        }
        double[] ms = new double[steps], imageMs = new double[steps], textMs = new double[steps];
        double loss = Double.NaN;
        long cpuStart = processCpuNanos();
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            loss = step.getAsDouble();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            imageMs[i] = towerNanos[0] / 1e6;
            textMs[i] = towerNanos[1] / 1e6;
        }
        double cpuPerStep = (processCpuNanos() - cpuStart) / 1e6 / steps;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted[steps / 2];
        double flops = FlopCounter.trainStepFlops(cfg, batch);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("median_step_ms", round(median));
        out.put("min_step_ms", round(sorted[0]));
        // each tower's forward + backward within the step (the rest: loss, optimiser, clamp)
        out.put("image_tower_median_ms", round(median(imageMs)));
        out.put("text_tower_median_ms", round(median(textMs)));
        out.put("concurrent_towers", model.lastStepTiming() != null && model.lastStepTiming().concurrent());
        out.put("precision", precision.label());
        if (precision == Precision.BF16) out.put("bf16_kernel", dev.jclip.core.nn.Bf16Gemm.get().implementation());
        out.put("patch_dropout", cfg.vision().patchDropout());
        // CPU time of the whole process per step (all threads, averaged over the timed steps: the clock ticks in
        // 10 ms units): on a shared machine this is the steadier measure of work done
        out.put("cpu_ms_per_step", round(cpuPerStep));
        out.put("warmup_steps", warmed);
        out.put("images_per_s", round(batch * 1000.0 / median));
        out.put("gflops_per_s", round(flops / median / 1e6));
        out.put("step_gflop", round(flops / 1e9));
        out.put("peak_rss_mb", peakRssMb());
        out.put("activation_peak_mb", round(keptBytes[0] / 1e6));
        out.put("grad_checkpointing", gradCheckpointing);
        out.put("step_arena_mb", dev.jclip.core.nn.StepWorkspace.arenaBytes() / 1_000_000);
        out.put("batch_size", batch);
        out.put("steps", steps);
        out.put("parameters", model.parameters().count());
        // unrounded: two runs (or the plain and checkpointed paths) compare bit for bit
        out.put("final_loss", loss);
        return out;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * A GEMM rate in GFLOP/s by the wall clock and by the calling thread's CPU time (at one thread the product runs on
     * the calling thread: the rate without the time other processes took).
     */
    public record SgemmRate(double gflops, double gflopsPerCpuS) {
    }

    /** Achieved single-precision GEMM rate of an n x n x n product, best of {@code reps}: the machine's practical peak. */
    public static SgemmRate sgemm(int n, int reps) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE, bestCpu = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long c0 = cpu.getCurrentThreadCpuTime(), t0 = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            bestCpu = Math.min(bestCpu, (cpu.getCurrentThreadCpuTime() - c0) / 1e9);
        }
        double flop = 2.0 * n * n * n;
        return new SgemmRate(round(flop / best / 1e9), bestCpu > 0 ? round(flop / bestCpu / 1e9) : Double.NaN);
    }

    /**
     * Standard normal images [batch, 3, size, size], a function of the seed only. Not {@code Nd4j.randn}: ND4J's
     * generator treats seed 0 (this command's default) as no seed and draws different numbers in every process
     * (measured: ViT-B-32's final_loss was 2.87 in one run and 1.95 in the next; docs/TRAINING.md).
     */
    static INDArray randomImages(int batch, int size, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] values = new float[Math.multiplyExact(Math.multiplyExact(batch, 3), size * size)];
        for (int i = 0; i < values.length; i++) values[i] = (float) dev.jclip.core.nn.ParameterStore.gaussian(r);
        return Nd4j.create(values, new long[]{batch, 3, size, size}, DataType.FLOAT);
    }

    static INDArray randomTokens(int batch, int ctx, int vocab, long seed) {
        Random r = new Random(seed);
        int[][] t = new int[batch][ctx];
        for (int b = 0; b < batch; b++) {
            int len = 2 + r.nextInt(Math.max(1, ctx - 2));
            t[b][0] = vocab - 2;
            for (int i = 1; i < len - 1; i++) t[b][i] = 1 + r.nextInt(vocab - 3);
            t[b][len - 1] = vocab - 1;
        }
        return Nd4j.createFromArray(t);
    }

    /** CPU time consumed by this process so far (all threads), in nanoseconds. */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime();
        return 0;
    }

    /** Peak resident set (VmHWM) of this process, in MB; -1 where /proc is unavailable. */
    public static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
