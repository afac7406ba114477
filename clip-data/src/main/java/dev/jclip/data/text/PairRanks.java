package dev.jclip.data.text;

import java.util.Arrays;

/**
 * Merge rank of a pair of token ids, in an open-addressing table of primitive longs (no boxing on the hot
 * path). Immutable after construction, so safe to share between threads.
 */
final class PairRanks {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] values;
    private final int mask;

    PairRanks(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new int[cap];
        mask = cap - 1;
        Arrays.fill(keys, EMPTY);
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Sets the rank of a pair; a later put for the same pair wins (as Python's dict(zip(merges, ranks))). */
    void put(int left, int right, int rank) {
        long k = key(left, right);
        int slot = slot(k);
        while (keys[slot] != EMPTY && keys[slot] != k) slot = (slot + 1) & mask;
        keys[slot] = k;
        values[slot] = rank;
    }

    /** The rank of the pair, or -1 when the pair is not a merge. */
    int get(int left, int right) {
        long k = key(left, right);
        int slot = slot(k);
        while (true) {
            long cur = keys[slot];
            if (cur == k) return values[slot];
            if (cur == EMPTY) return -1;
            slot = (slot + 1) & mask;
        }
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
