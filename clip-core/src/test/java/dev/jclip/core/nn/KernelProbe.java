package dev.jclip.core.nn;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;

/**
 * Runs every {@link FloatLoops} operation and {@link FloatExp} on fixed pseudo-random inputs of awkward lengths (not
 * multiples of 8 or 16, at odd offsets) and prints one line: the loops in use, the JVM's largest vector, and a
 * SHA-256 of every output bit, once on the first (interpreted) round and once on the last (by then compiled by C2).
 * {@link KernelPortabilityTest} starts it in JVMs with different vector hardware settings and compares the lines.
 */
public final class KernelProbe {
    private KernelProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        String first = null, last = null;
        for (int r = 0; r < rounds; r++) {
            String h = round(FloatLoops.INSTANCE);
            if (first == null) first = h;
            last = h;
        }
        String maxVector;
        try {
            maxVector = String.valueOf(Class.forName("jdk.incubator.vector.FloatVector").getField("SPECIES_PREFERRED").get(null));
        } catch (ReflectiveOperationException | LinkageError e) {
            maxVector = "none";
        }
        System.out.println("PROBE loops=" + CpuKernels.loops() + " preferred=" + maxVector + " first=" + first + " last=" + last);
    }

    private static float[] random(Random g, int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) g.nextGaussian() * scale;
        return f;
    }

    /** One pass over every operation; the hash of all outputs. */
    static String round(FloatLoops loops) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random g = new Random(42);
        for (int n : new int[]{1, 7, 15, 16, 17, 31, 33, 64, 77, 200, 1023}) {
            int o = 3;
            float[] a = random(g, n + o, 1), b = random(g, n + o, 1), gain = random(g, n + o, 1), bias = random(g, n + o, 1);
            float[] big = random(g, n + o, 30);   // exp over its clamped range and beyond
            float[] scalars = new float[16];
            scalars[0] = loops.dot(a, o, b, o, n);
            scalars[1] = loops.max(a, o, n);
            scalars[2] = loops.sum(a, o, n);
            scalars[3] = loops.squaredDeviation(a, o, n, 0.25f);
            scalars[4] = loops.dotScaled(a, o, gain, b, n);
            float[] e = big.clone();
            scalars[5] = loops.expShifted(e, o, n, 1.5f);
            float[] s = a.clone();
            loops.scale(s, o, n, 0.7f);
            float[] h = new float[n + o], y = new float[n + o];
            loops.normalise(a, o, n, 0.1f, 1.3f, gain, bias, h, y);
            float[] dx = new float[n + o], dg = new float[n + o], db = new float[n + o];
            loops.layerNormGrad(b, h, o, n, gain, 0.2f, -0.3f, 1.1f, dx, dg, db);
            float[] q = new float[n], qd = new float[n], bx = java.util.Arrays.copyOf(big, n);
            loops.quickGelu(bx, q, n);
            loops.quickGeluGrad(java.util.Arrays.copyOf(a, n), bx, qd, n);
            float[] p = a.clone(), m = b.clone(), v = random(g, n + o, 1);
            for (int i = 0; i < v.length; i++) v[i] = v[i] * v[i];
            loops.adamW(p, gain, m, v, o, n, 0.999f, 0.9f, 0.98f, 1e-3f, 0.3f, 1e-6f);
            float[] acc = new float[n], acc2 = new float[n];
            loops.addProductInto(a, b, o, acc, n);
            loops.addSquaredDeviationInto(a, o, java.util.Arrays.copyOf(b, n), acc2, n);
            float[] hc = new float[n + o], yc = new float[n + o], bd = new float[n + o], rd = new float[n];
            loops.normaliseChannels(a, o, n, java.util.Arrays.copyOf(b, n), java.util.Arrays.copyOf(gain, n), gain, bias, hc, yc);
            loops.batchNormGrad(b, hc, o, n, java.util.Arrays.copyOf(gain, n), java.util.Arrays.copyOf(a, n), java.util.Arrays.copyOf(bias, n), bd);
            loops.reluGrad(java.util.Arrays.copyOf(a, n), java.util.Arrays.copyOf(b, n), rd, n);
            float[] add = b.clone();
            loops.addTo(a, o, add, o, n);
            // the attention core's products: n columns (keys or head width), 1 to 9 rows, inner lengths 1 to 65
            int rows = 1 + n % 9, inner = 1 + n % 65;
            float[] pa = random(g, rows * (inner + 2) + 1, 1), pb = random(g, inner * (n + 3) + 2, 1), prod = new float[rows * (n + 1) + 1];
            loops.product(pa, 1, inner + 2, pb, 2, n + 3, rows, inner, n, prod, 1, n + 1);
            float[] exps = new float[n];
            for (int i = 0; i < n; i++) exps[i] = FloatExp.exp(big[o + i]) + FloatExp.sigmoid(big[o + i] * 0.1f);
            for (float[] out : new float[][]{scalars, e, s, h, y, dx, dg, db, q, qd, p, m, v, acc, acc2, hc, yc, bd, rd, add, prod, exps}) {
                ByteBuffer bb = ByteBuffer.allocate(out.length * 4);
                for (float f : out) bb.putInt(Float.floatToRawIntBits(f));
                sha.update(bb.array());
            }
        }
        StringBuilder hex = new StringBuilder();
        for (byte x : sha.digest()) hex.append(String.format("%02x", x));
        return hex.substring(0, 16);
    }
}
