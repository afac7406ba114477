package dev.jclip.train.dist;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses the {@link Collective} of this process: {@code local} (a world of one), a named provider ({@code mpi}, only
 * in a process its launcher started), or {@code auto}: the first provider on the class path whose launcher started
 * this process, else a world of one.
 *
 * <p>A provider that cannot load (clip-dist is Java 25 code; on Java 17 its classes do not load) is skipped by
 * {@code auto} and named with the reason when asked for by name.
 *
 * <p>Also operations built from a collective's primitives: exchanging text and broadcasting doubles.
 */
public final class Collectives {
    private Collectives() {
    }

    /** The collective for {@code backend} ({@code auto}, {@code local} or a provider's name) in this environment. */
    public static Collective open(String backend) {
        return open(backend, System.getenv());
    }

    static Collective open(String backend, Map<String, String> env) {
        if (backend.equals("local")) return new LocalCollective();
        Found found = providers();
        if (backend.equals("auto")) {
            for (CollectiveProvider p : found.providers) {
                if (p.launched(env)) return p.open();
            }
            int ranks = launcherWorldSize(env);
            if (ranks > 1) {
                // N copies of one run, each writing the same output folder, is never what was meant
                throw new CollectiveException("this process is one of " + ranks + " ranks started by mpirun or srun, but"
                        + " no distributed backend can join them (" + (found.problems.isEmpty()
                        ? "the MPI backend is the clip-dist module (Java 25), which is not on the class path"
                        : "not loaded: " + String.join("; ", found.problems))
                        + "); use the clip launcher with Java 25, or --dist-backend local to run each rank alone");
            }
            return new LocalCollective();
        }
        for (CollectiveProvider p : found.providers) {
            if (!p.name().equals(backend)) continue;
            // outside a launcher the backend would make a world of one that writes a run like --dist-backend local,
            // while the user asked for many ranks: say so (mpirun -np 1 still gives a deliberate world of one)
            if (!p.launched(env)) {
                throw new CollectiveException("--dist-backend " + backend + ": this process was not started by mpirun or srun"
                        + " (no OMPI_COMM_WORLD_RANK, PMI_RANK or srun step's SLURM_PROCID in its environment), so it would"
                        + " train alone; start it as mpirun -np N ./clip ... (or srun ./clip ...), or use --dist-backend"
                        + " auto or local for one process");
            }
            return p.open();
        }
        List<String> names = new ArrayList<>(List.of("auto", "local"));
        found.providers.forEach(p -> names.add(p.name()));
        throw new CollectiveException("no distributed backend '" + backend + "' (available: " + String.join(", ", names)
                + ")" + (found.problems.isEmpty() ? "; the MPI backend is the clip-dist module (Java 25)"
                : "; not loaded: " + String.join("; ", found.problems)));
    }

    /**
     * Ends the job after this rank failed: every rank exits non-zero now ({@link AbortableCollective#abort}); a
     * collective without that ability (a world of one) is closed. Call this, never {@link Collective#close()}, on a
     * failure path: a normal close of a multi-process collective waits for every other rank, which would wait forever
     * for this one.
     */
    public static void abort(Collective collective, int exitCode, String message) {
        if (collective instanceof AbortableCollective a) {
            a.abort(exitCode, message);
        } else {
            collective.close();
        }
    }

    /** The provider that started this process, or null when none did (a world of one). */
    public static CollectiveProvider launchedBy(Map<String, String> env) {
        for (CollectiveProvider p : providers().providers) {
            if (p.launched(env)) return p;
        }
        return null;
    }

    /** The world size a launcher's environment states (Open MPI, Hydra, an srun step), else 1. */
    static int launcherWorldSize(Map<String, String> env) {
        String size = env.get("OMPI_COMM_WORLD_SIZE");
        if (size == null) size = env.get("PMI_SIZE");
        if (size == null && (env.containsKey("SLURM_STEP_ID") || env.containsKey("SLURM_STEPID"))) size = env.get("SLURM_NTASKS");
        try {
            return size == null ? 1 : Integer.parseInt(size.trim());
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private record Found(List<CollectiveProvider> providers, List<String> problems) {
    }

    private static Found providers() {
        List<CollectiveProvider> providers = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        var it = ServiceLoader.load(CollectiveProvider.class, Collectives.class.getClassLoader()).iterator();
        while (true) {
            try {
                if (!it.hasNext()) break;
                providers.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // UnsupportedClassVersionError on a JVM older than the provider's bytecode
                Throwable root = e;
                while (root.getCause() != null) root = root.getCause();
                problems.add(root instanceof UnsupportedClassVersionError
                        ? "it needs Java 25 (this is Java " + Runtime.version().feature() + ")" : String.valueOf(root));
            }
        }
        return new Found(providers, problems);
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

    /**
     * Every rank's doubles, of any length (none included), concatenated in rank order on every rank: the lengths
     * are all-gathered, then the arrays, each padded to the longest.
     */
    public static double[] allGatherConcat(Collective c, double[] local) {
        int world = c.worldSize();
        double[] lengths = new double[world];
        c.allGather(new double[]{local.length}, lengths);
        int longest = 0;
        long total = 0;
        for (double l : lengths) {
            longest = Math.max(longest, (int) l);
            total += (long) l;
        }
        if ((long) longest * world > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot gather " + world + " x " + longest + " doubles in one array");
        }
        double[] padded = new double[longest * world];
        c.allGather(java.util.Arrays.copyOf(local, longest), padded);
        double[] out = new double[(int) total];
        int at = 0;
        for (int r = 0; r < world; r++) {
            System.arraycopy(padded, r * longest, out, at, (int) lengths[r]);
            at += (int) lengths[r];
        }
        return out;
    }

    /** Rank {@code root}'s string on every rank. */
    public static String broadcast(Collective c, String s, int root) {
        byte[] mine = c.rank() == root ? s.getBytes(StandardCharsets.UTF_8) : new byte[0];
        double[] all = new double[c.worldSize()];
        c.allGather(new double[]{mine.length}, all);
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
