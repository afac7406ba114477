package dev.jclip.train.dist;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.nn.Parameter;
import dev.jclip.train.BatchSource;
import dev.jclip.train.SyntheticBatches;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Runs the same training on N thread-ranks (ThreadCollective) and returns each rank's final weights; {@link #onRanks}
 * runs any code so (also for other modules' tests, through clip-train's test jar).
 */
public final class DistributedRuns {
    private DistributedRuns() {
    }

    /** Global batches of {@code batch} synthetic pairs for the config's model: the one global order of a test. */
    static SyntheticBatches data(TrainConfig cfg, int pairs) {
        ClipConfig m = ClipConfig.load(cfg.model().name());
        return new SyntheticBatches(pairs, m.vision().imageSize(), m.text().contextLength(), m.text().vocabSize(),
                cfg.data().batchSize(), 7);
    }

    /** Trains on one process with {@link LocalCollective}; returns its weights. */
    static Map<String, INDArray> oneProcess(TrainConfig cfg, BatchSource data) throws Exception {
        Trainer t = Trainer.builder().config(cfg).data(data).interactive(false).build();
        t.fit();
        return weights(t);
    }

    /**
     * Trains on {@code world} thread-ranks, rank r with {@code dataFor.apply(r)} (a global-batch source: the
     * config says data-order global); returns every rank's weights, in rank order. A failure on any rank is
     * rethrown (the first by rank).
     */
    static List<Map<String, INDArray>> ranks(int world, TrainConfig cfg, Function<Integer, BatchSource> dataFor) throws Exception {
        return onRanks(world, c -> {
            Trainer t = Trainer.builder().config(cfg).data(dataFor.apply(c.rank())).collective(c).interactive(false).build();
            t.fit();
            return weights(t);
        });
    }

    public interface RankBody<T> {
        T run(Collective c) throws Exception;
    }

    public static <T> List<T> onRanks(int world, RankBody<T> body) throws Exception {
        return onRanks(world, Duration.ofMinutes(2), body);
    }

    /**
     * Runs {@code body} on every rank of a fresh world whose rendezvous waits at most {@code timeout}, each rank on
     * its own thread; returns each rank's result, or throws the first failing rank's exception (in rank order).
     */
    public static <T> List<T> onRanks(int world, Duration timeout, RankBody<T> body) throws Exception {
        List<ThreadCollective> collectives = ThreadCollective.world(world, timeout);
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (ThreadCollective c : collectives) {
                futures.add(pool.submit(() -> {
                    try (c) {
                        return body.run(c);
                    }
                }));
            }
            List<T> out = new ArrayList<>();
            Exception first = null;
            for (Future<T> f : futures) {
                try {
                    out.add(f.get(10, TimeUnit.MINUTES));
                } catch (ExecutionException e) {
                    if (first == null && e.getCause() instanceof Exception cause) first = cause;
                    else if (first == null) first = e;
                }
            }
            if (first != null) throw first;
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Copies of the trainable parameters' values. */
    static Map<String, INDArray> weights(Trainer t) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Parameter p : t.model().parameters()) out.put(p.name(), p.value().dup());
        return out;
    }

    /** The largest ||a - b|| / ||b|| over the tensors, and its name. */
    static Map.Entry<String, Double> worstRelativeDifference(Map<String, INDArray> a, Map<String, INDArray> b) {
        String worstName = null;
        double worst = -1;
        for (Map.Entry<String, INDArray> e : b.entrySet()) {
            INDArray x = a.get(e.getKey()), y = e.getValue();
            double d = x.sub(y).norm2Number().doubleValue() / Math.max(y.norm2Number().doubleValue(), 1e-300);
            if (d > worst) {
                worst = d;
                worstName = e.getKey();
            }
        }
        return Map.entry(worstName, worst);
    }
}
