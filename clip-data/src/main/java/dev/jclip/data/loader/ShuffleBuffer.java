package dev.jclip.data.loader;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * WebDataset's sample shuffle: keeps up to {@code capacity} samples and emits a uniformly chosen one each time,
 * refilling from upstream; at the end the rest drain in random order. Mixes samples across neighbouring shards
 * without holding the dataset in memory. Capacity 0 or 1 passes samples through in order.
 */
final class ShuffleBuffer implements SampleStream {
    private final SampleStream upstream;
    private final int capacity;
    private final RandomGenerator rng;
    private final List<RawSample> buf = new ArrayList<>();
    private boolean upstreamDone;

    ShuffleBuffer(SampleStream upstream, int capacity, RandomGenerator rng) {
        this.upstream = upstream;
        this.capacity = Math.max(1, capacity);
        this.rng = rng;
    }

    @Override
    public RawSample next() {
        while (!upstreamDone && buf.size() < capacity) {
            RawSample s = upstream.next();
            if (s == null) upstreamDone = true;
            else buf.add(s);
        }
        if (buf.isEmpty()) return null;
        if (capacity == 1) return buf.remove(0);
        int i = rng.nextInt(buf.size());
        RawSample pick = buf.get(i);
        buf.set(i, buf.get(buf.size() - 1));
        buf.remove(buf.size() - 1);
        return pick;
    }

    @Override
    public void close() {
        upstream.close();
    }
}
