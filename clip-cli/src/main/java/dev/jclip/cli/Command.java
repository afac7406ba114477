package dev.jclip.cli;

/** One {@code clip} subcommand. */
public interface Command {
    /** The words that select it, e.g. {@code "features"} or {@code "data stats"}. */
    String name();

    /** One line for {@code clip --help}. */
    String summary();

    /** Runs it; returns the process exit code. Throw {@link UsageException} for bad arguments. */
    int run(Args args) throws Exception;
}
