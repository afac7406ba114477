package dev.jclip.data.loader;

/**
 * Which of a run's shard readers this is: reader {@code worker} of {@code workers} in process {@code rank} of
 * {@code worldSize}. Every reader of a run has its own {@link #index()} in {@code [0, count())}, which seeds its
 * resampled shard draws ({@link ResampledShards}); a multi-process run gives each process its rank, a
 * single-process run is rank 0 of 1.
 */
public record ShardSlot(int rank, int worldSize, int worker, int workers) {
    public ShardSlot {
        if (worldSize <= 0 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("bad rank " + rank + " of world size " + worldSize);
        }
        if (workers <= 0 || worker < 0 || worker >= workers) {
            throw new IllegalArgumentException("bad worker " + worker + " of " + workers);
        }
    }

    /** Reader {@code worker} of {@code workers} in a single-process run. */
    public static ShardSlot local(int worker, int workers) {
        return new ShardSlot(0, 1, worker, workers);
    }

    /** This reader's index among all readers of the run (rank-major). */
    public int index() {
        return rank * workers + worker;
    }

    /** Readers in the whole run. */
    public int count() {
        return worldSize * workers;
    }
}
