package dev.jclip.data.loader;

import java.util.List;
import java.util.random.RandomGenerator;

/** Fisher-Yates shuffle with a given generator (our own, so the order never depends on the JDK's implementation). */
final class Shuffle {
    private Shuffle() {
    }

    static <T> void shuffle(List<T> list, RandomGenerator rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
