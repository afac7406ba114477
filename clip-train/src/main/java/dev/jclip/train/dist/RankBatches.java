package dev.jclip.train.dist;

/**
 * One rank's fixed, contiguous share of {@code n} items (the batches of a validation pass): items
 * {@code [from, to)}, the shares of ranks 0, 1, ... following each other in order, the first {@code n mod world}
 * ranks taking one item more. A rank's share may be empty (more ranks than items).
 *
 * @param from the first item of the share
 * @param to   one past its last
 */
public record RankBatches(long from, long to) {
    public RankBatches {
        if (from < 0 || to < from) throw new IllegalArgumentException("bad share [" + from + ", " + to + ")");
    }

    /** Rank {@code rank}'s share of {@code n} items over {@code world} ranks. */
    public static RankBatches of(long n, int rank, int world) {
        if (n < 0) throw new IllegalArgumentException("negative item count " + n);
        if (world < 1 || rank < 0 || rank >= world) throw new IllegalArgumentException("rank " + rank + " outside a world of " + world);
        long base = n / world;
        long extra = n % world;
        long from = rank * base + Math.min(rank, extra);
        return new RankBatches(from, from + base + (rank < extra ? 1 : 0));
    }

    /** Items in the share. */
    public long size() {
        return to - from;
    }
}
