package dev.jclip.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What a command did: its exit code and what it printed. The command tests capture stdout and stderr through
 * this one helper.
 */
public record CliRun(int code, String out, String err) {

    /** Work that returns an exit code. */
    @FunctionalInterface
    public interface Work {
        int run() throws Exception;
    }

    /** {@code clip ARGV...} through {@link Main#run} (the exit-code mapping included). */
    public static CliRun clip(String... argv) {
        try {
            return capture(() -> Main.run(argv));
        } catch (Exception e) {
            throw new AssertionError("Main.run threw", e);
        }
    }

    /** Runs {@code work} with {@code System.out} and {@code System.err} captured (UTF-8), then restores them. */
    public static CliRun capture(Work work) throws Exception {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = work.run();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
