package dev.jclip.data.loader;

import java.util.List;
import java.util.SplittableRandom;

/**
 * open_clip's {@code ResampledShards2}: shards drawn with replacement, each with probability proportional to its
 * weight (the upsampling factor of the source it belongs to; all equal without factors). Each reader of a run
 * ({@link ShardSlot}) draws its own sequence from a generator seeded by (run seed, epoch, reader index), as
 * open_clip seeds each data-loader worker from (seed, rank, worker id, epoch): two readers draw different
 * sequences, and the same run draws the same ones again. Immutable.
 */
public final class ResampledShards {
    private static final long RESAMPLE_SALT = 0x5245534D504CL;

    private final List<String> shards;
    private final double[] cumulative; // cumulative[i] = sum of weights[0..i]

    /** @param weights one positive weight per shard, or null for uniform draws */
    public ResampledShards(List<String> shards, double[] weights) {
        if (shards.isEmpty()) throw new IllegalArgumentException("no shards");
        if (weights != null && weights.length != shards.size()) {
            throw new IllegalArgumentException(weights.length + " weights for " + shards.size() + " shards");
        }
        this.shards = List.copyOf(shards);
        this.cumulative = new double[shards.size()];
        double sum = 0;
        for (int i = 0; i < cumulative.length; i++) {
            double w = weights == null ? 1 : weights[i];
            if (!(w > 0) || Double.isInfinite(w)) throw new IllegalArgumentException("shard weight must be positive, got " + w + " for " + shards.get(i));
            sum += w;
            cumulative[i] = sum;
        }
    }

    public List<String> shards() {
        return shards;
    }

    /** The generator of one reader's draws in one epoch. */
    public static SplittableRandom generator(long seed, int epoch, ShardSlot slot) {
        return new SplittableRandom(Seeds.mix(seed, epoch, RESAMPLE_SALT, slot.index()));
    }

    /** The next shard, drawn with replacement from {@code rng} (Python's {@code random.choices} by cumulative weight). */
    public String draw(SplittableRandom rng) {
        double total = cumulative[cumulative.length - 1];
        double u = rng.nextDouble() * total;
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) { // first index whose cumulative weight exceeds u
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return shards.get(lo);
    }
}
