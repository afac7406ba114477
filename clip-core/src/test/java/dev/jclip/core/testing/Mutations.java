package dev.jclip.core.testing;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.Arrays;

/** The input the readers' property tests feed them: a valid file damaged the way real files get damaged. */
public final class Mutations {
    private Mutations() {
    }

    /** A valid file's bytes with up to 8 bytes replaced and, one time in five, cut short. */
    public static Arbitrary<byte[]> of(byte[] valid) {
        Arbitrary<int[]> at = Arbitraries.integers().between(0, valid.length - 1).list().ofMaxSize(8)
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
        Arbitrary<byte[]> values = Arbitraries.bytes().array(byte[].class).ofSize(8);
        Arbitrary<Integer> cut = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(valid.length)),
                Tuple.of(1, Arbitraries.integers().between(0, valid.length)));
        return Combinators.combine(at, values, cut).as((a, v, n) -> {
            byte[] b = valid.clone();
            for (int i = 0; i < a.length; i++) b[a[i]] = v[i];
            return Arrays.copyOf(b, n);
        });
    }
}
