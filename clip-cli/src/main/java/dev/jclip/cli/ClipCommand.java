package dev.jclip.cli;

import dev.jclip.core.Threads;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * A {@code clip} command: picocli fills its options, {@link #run()} does the work and returns the exit code.
 * Every command takes {@code --help} and {@code --threads}.
 */
public abstract class ClipCommand implements Callable<Integer> {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit") private boolean help;

    @Option(names = "--threads", paramLabel = "N",
            description = "ND4J and BLAS threads; 0 = all cores, shared by the ranks on this machine under mpirun or srun"
                    + " (the clip launcher also sets OpenMP's and OpenBLAS's pools)")
    protected int threads;

    @Override
    public final Integer call() throws Exception {
        if (threads < 0) throw new UsageException("--threads must be >= 0, got " + threads);
        if (threads == 0) threads = perRankThreads(System.getenv(), java.lang.Runtime.getRuntime().availableProcessors());
        if (threads > 0) Threads.configure(threads);
        return run();
    }

    /** Under a launcher with several ranks on this machine: cores / local ranks (at least 1); else 0, the default. */
    static int perRankThreads(java.util.Map<String, String> env, int cores) {
        int local = dev.jclip.train.dist.LaunchEnvironment.of(env).map(l -> l.localRanks()).orElse(1);
        return local > 1 ? Math.max(1, cores / local) : 0;
    }

    /** The command's work; throw {@link UsageException} for bad arguments (exit code 2). */
    protected abstract int run() throws Exception;
}
