package dev.jclip.train.dist;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Operations built from a {@link Collective}'s primitives: exchanging text between ranks. */
public final class Collectives {
    private Collectives() {
    }

    /** Every rank's string, in rank order, on every rank: lengths are all-gathered, then each rank broadcasts its bytes. */
    public static List<String> allGather(Collective c, String local) {
        byte[] mine = local.getBytes(StandardCharsets.UTF_8);
        double[] lengths = new double[c.worldSize()];
        c.allGather(new double[]{mine.length}, lengths);
        List<String> out = new ArrayList<>(c.worldSize());
        for (int r = 0; r < c.worldSize(); r++) {
            byte[] b = r == c.rank() ? mine : new byte[(int) lengths[r]];
            c.broadcast(b, r);
            out.add(new String(b, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Rank {@code root}'s string on every rank. */
    public static String broadcast(Collective c, String s, int root) {
        byte[] mine = c.rank() == root ? s.getBytes(StandardCharsets.UTF_8) : new byte[0];
        double[] length = {mine.length};
        double[] all = new double[c.worldSize()];
        c.allGather(length, all);
        byte[] b = c.rank() == root ? mine : new byte[(int) all[root]];
        c.broadcast(b, root);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Rank {@code root}'s doubles copied over {@code values} on every rank (same length everywhere). */
    public static void broadcast(Collective c, double[] values, int root) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Double.BYTES);
        if (c.rank() == root) buf.asDoubleBuffer().put(values);
        c.broadcast(buf.array(), root);
        buf.asDoubleBuffer().get(values);
    }
}
