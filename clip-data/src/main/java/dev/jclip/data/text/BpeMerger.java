package dev.jclip.data.text;

import java.util.Arrays;

/**
 * Applies ranked merges to one word, with exactly the result of OpenAI's {@code bpe()}: repeatedly take the
 * lowest-ranked adjacent pair present and merge all its occurrences left to right without overlap.
 * Short words use that loop directly on an int array; long words (hostile input such as a megabyte of one
 * letter) use a heap of candidate pairs over a linked list, O(n log n), that merges the same occurrences in
 * the same order: all entries of the lowest rank are taken out of the heap before any is merged, so pairs
 * that a merge creates wait for the next round just as they do in the Python loop.
 */
final class BpeMerger {
    /** Words up to this many symbols use the quadratic loop, which is faster when short. */
    static final int HEAP_THRESHOLD = 48;

    private final PairRanks ranks;
    private final int[] mergedId;

    BpeMerger(PairRanks ranks, int[] mergedId) {
        this.ranks = ranks;
        this.mergedId = mergedId;
    }

    /** Merges {@code symbols} (not modified) and returns the resulting token ids. */
    int[] merge(int[] symbols) {
        return symbols.length <= HEAP_THRESHOLD ? mergeByPasses(symbols) : mergeWithHeap(symbols);
    }

    /** The direct transcription of the Python loop; also the reference the heap version is tested against. */
    int[] mergeByPasses(int[] symbols) {
        int[] word = symbols.clone();
        int n = word.length;
        while (n > 1) {
            int best = -1;
            for (int i = 0; i + 1 < n; i++) {
                int r = ranks.get(word[i], word[i + 1]);
                if (r >= 0 && (best < 0 || r < best)) best = r;
            }
            if (best < 0) break;
            int m = 0;
            int i = 0;
            while (i < n) {
                if (i + 1 < n && ranks.get(word[i], word[i + 1]) == best) {
                    word[m++] = mergedId[best];
                    i += 2;
                } else {
                    word[m++] = word[i++];
                }
            }
            n = m;
        }
        return n == word.length ? word : Arrays.copyOf(word, n);
    }

    int[] mergeWithHeap(int[] symbols) {
        int n = symbols.length;
        int[] sym = symbols.clone();
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int r = ranks.get(sym[i], sym[i + 1]);
            if (r >= 0) heap.push(entry(r, i));
        }
        int[] round = new int[16];
        int alive = n;
        while (!heap.isEmpty() && alive > 1) {
            int rank = (int) (heap.peek() >>> 32);
            int count = 0;
            while (!heap.isEmpty() && (int) (heap.peek() >>> 32) == rank) {
                if (count == round.length) round = Arrays.copyOf(round, count * 2);
                round[count++] = (int) heap.pop();   // positions come out in increasing order
            }
            for (int k = 0; k < count; k++) {
                int left = round[k];
                if (sym[left] < 0) continue;                      // absorbed by an earlier merge
                int right = next[left];
                if (right < 0 || ranks.get(sym[left], sym[right]) != rank) continue;   // stale
                sym[left] = mergedId[rank];
                sym[right] = -1;
                int after = next[right];
                next[left] = after;
                if (after >= 0) prev[after] = left;
                alive--;
                int before = prev[left];
                if (before >= 0) {
                    int r = ranks.get(sym[before], sym[left]);
                    if (r >= 0) heap.push(entry(r, before));
                }
                if (after >= 0) {
                    int r = ranks.get(sym[left], sym[after]);
                    if (r >= 0) heap.push(entry(r, left));
                }
            }
        }
        int[] out = new int[alive];
        int m = 0;
        for (int i = 0; i >= 0; i = next[i]) out[m++] = sym[i];
        return out;
    }

    private static long entry(int rank, int position) {
        return ((long) rank << 32) | position;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        long peek() {
            return a[0];
        }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (a[p] <= v) break;
                a[i] = a[p];
                i = p;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < size && a[c + 1] < a[c]) c++;
                if (last <= a[c]) break;
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
