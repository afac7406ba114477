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
            description = "ND4J and BLAS threads; 0 = all cores (the clip launcher also sets OpenMP's and OpenBLAS's pools)")
    protected int threads;

    @Override
    public final Integer call() throws Exception {
        if (threads < 0) throw new UsageException("--threads must be >= 0, got " + threads);
        if (threads > 0) Threads.configure(threads);
        return run();
    }

    /** The command's work; throw {@link UsageException} for bad arguments (exit code 2). */
    protected abstract int run() throws Exception;
}
