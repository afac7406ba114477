package dev.jclip.train.bench;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.data.loader.Batch;
import dev.jclip.train.BatchSource;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The time of the real training step at the job's world size: the {@link Trainer} itself ({@code fit()} with this
 * process's {@link Collective}) on random pairs, every step as a distributed run takes it (features all-gathered,
 * the loss's share, gradients all-reduced in buckets, AdamW, the BatchNorm broadcast, the stop agreement). Two
 * ways to scale, as the issue and {@code docs/SCALING.md} compare them:
 * <ul>
 *   <li>{@code global-batch}: the global batch G fixed, each rank training G / ranks pairs (strong scaling);</li>
 *   <li>{@code rank-batch}: each rank's batch b fixed, the global batch b x ranks (weak scaling).</li>
 * </ul>
 * A step's time is the trainer's own measure (batch-size / samples_per_s: the data, the step and its collectives,
 * not the evaluation or checkpoint after it); the figure is the slowest rank's median over the timed steps.
 * <p>
 * Rank 0 alone writes the run folder, as in any distributed run: every rank uses the same {@code output} (one
 * run per mode below it); without one, rank 0 creates a temporary folder, tells the others its path, and deletes it
 * afterwards.
 */
public final class DistStepBenchmark {
    private DistStepBenchmark() {
    }

    /**
     * One mode's result.
     *
     * @param mode          {@code global-batch} or {@code rank-batch}
     * @param globalBatch   pairs per optimiser step, all ranks together
     * @param rankBatch     pairs per rank per step
     * @param medianStepMs  the slowest rank's median step time
     * @param minStepMs     the slowest rank's fastest step
     * @param runDir        the run folder rank 0 wrote (deleted when it was temporary)
     */
    public record Row(String mode, String model, int worldSize, int globalBatch, int rankBatch, int steps, int warmup,
                      double medianStepMs, double minStepMs, Path runDir) {
        /** Pairs per second, all ranks together. */
        public double samplesPerSecond() {
            return globalBatch * 1000.0 / medianStepMs;
        }
    }

    /**
     * Times both modes (a mode whose batch is 0 is left out).
     *
     * @param globalBatch the fixed global batch of {@code global-batch}: must split over the ranks
     * @param rankBatch   the fixed per-rank batch of {@code rank-batch}
     * @param output      where rank 0 writes the runs; null for a temporary folder, deleted afterwards
     */
    public static List<Row> run(Collective c, String model, int globalBatch, int rankBatch, int steps, int warmup, Path output)
            throws Exception {
        if (steps < 1 || warmup < 0) throw new IllegalArgumentException("need steps >= 1 and warmup >= 0, got " + steps + " and " + warmup);
        int w = c.worldSize();
        if (globalBatch > 0 && globalBatch % w != 0) {
            throw new IllegalArgumentException("the global batch " + globalBatch + " does not split over " + w + " ranks");
        }
        ClipConfig cfg = ClipConfig.load(model);
        boolean temporary = output == null;
        Path root = output;
        if (temporary) {
            String made = c.rank() == 0 ? Files.createTempDirectory("jclip-bench-dist").toString() : "";
            root = Path.of(Collectives.broadcast(c, made, 0));
        }
        List<Row> rows = new ArrayList<>();
        try {
            if (globalBatch > 0) rows.add(time(c, cfg, model, "global-batch", globalBatch, steps, warmup, root));
            if (rankBatch > 0) rows.add(time(c, cfg, model, "rank-batch", rankBatch * w, steps, warmup, root));
        } finally {
            if (temporary && c.rank() == 0) deleteTree(root);
        }
        return rows;
    }

    private static Row time(Collective c, ClipConfig cfg, String model, String mode, int global, int steps, int warmup, Path root)
            throws Exception {
        int w = c.worldSize(), local = global / w;
        Path runDir = root.resolve(mode);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("model", model);
        options.put("batch-size", global);
        options.put("steps", (long) steps + warmup);
        options.put("warmup", 0L);
        options.put("lr", 5e-4);
        options.put("checkpoint-every", 0L);
        options.put("output", runDir.toString());
        TrainConfig tc = TrainConfig.defaults().with(options, "clip bench dist");
        double[] ms = new double[steps];
        int[] seen = {0};
        Trainer t = Trainer.builder().config(tc).data(new RandomPairs(cfg, local, (long) local * (steps + warmup), 1 + c.rank()))
                .collective(c).interactive(false)
                .onStep(m -> {
                    if (m.step() > warmup) ms[seen[0]++] = global / m.samplesPerSecond() * 1000;
                })
                .build();
        t.fit();
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new Row(mode, model, w, global, local, steps, warmup, CollectiveBenchmark.slowest(c, sorted[steps / 2]),
                CollectiveBenchmark.slowest(c, sorted[0]), runDir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** One random batch of this rank's pairs, served every step (the data costs nothing; the step is what is timed). */
    private static final class RandomPairs implements BatchSource {
        private final Batch batch;
        private final int local;
        private final long perEpoch;
        private final ClipConfig cfg;
        private long served;

        RandomPairs(ClipConfig cfg, int local, long perEpoch, long seed) {
            this.cfg = cfg;
            this.local = local;
            this.perEpoch = perEpoch;
            // the random pairs bench train times (TrainBenchmark), this rank's own
            INDArray images = TrainBenchmark.randomImages(local, cfg.vision().imageSize(), seed);
            INDArray tokens = TrainBenchmark.randomTokens(local, cfg.text().contextLength(), cfg.text().vocabSize(), seed);
            this.batch = Batch.of(images, tokens);
        }

        @Override
        public Shape shape() {
            return new Shape(local, cfg.vision().imageSize(), cfg.text().contextLength(), cfg.text().vocabSize());
        }

        @Override
        public long samplesPerEpoch() {
            return perEpoch;
        }

        @Override
        public void startEpoch(int epoch, long seed) {
            served = 0;
        }

        @Override
        public Batch next() {
            if (served >= perEpoch) return null;
            served += local;
            return batch;
        }

        @Override
        public String state() {
            return "{\"served\":" + served + "}";
        }

        @Override
        public void restore(String state) {
            throw new UnsupportedOperationException("a benchmark is not resumed");
        }
    }
}
