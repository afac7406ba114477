package dev.jclip.data.text;

/**
 * A bounded, lock-free cache from a piece of text to its BPE ids: a direct-mapped table (like a CPU cache)
 * where a new entry simply replaces whatever shared its slot. Lookups take a range of the scanned text, so a
 * hit allocates nothing. Entries are immutable objects with final fields, so threads that race on a slot see
 * either a complete old entry or a complete new one (Java's final-field guarantee), never a torn one.
 */
final class PieceCache {
    private final Entry[] slots;
    private final int mask;

    PieceCache(int size) {
        if (Integer.bitCount(size) != 1) throw new IllegalArgumentException("cache size must be a power of two, got " + size);
        slots = new Entry[size];
        mask = size - 1;
    }

    /** String.hashCode of text[start, end), computed without making the substring. */
    static int hash(String text, int start, int end) {
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + text.charAt(i);
        return h;
    }

    int[] get(String text, int start, int end, int hash) {
        Entry e = slots[slot(hash)];
        if (e == null || e.hash != hash) return null;
        int len = end - start;
        return e.key.length() == len && text.regionMatches(start, e.key, 0, len) ? e.ids : null;
    }

    void put(String key, int hash, int[] ids) {
        slots[slot(hash)] = new Entry(key, hash, ids);
    }

    private int slot(int hash) {
        return (hash ^ (hash >>> 15) ^ (hash >>> 7)) & mask;
    }

    private static final class Entry {
        final String key;
        final int hash;
        final int[] ids;

        Entry(String key, int hash, int[] ids) {
            this.key = key;
            this.hash = hash;
            this.ids = ids;
        }
    }
}
