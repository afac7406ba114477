package dev.jclip.cli.hostile;

import dev.jclip.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the {@code clip} commands a user would point at a downloaded file, one file after another in this JVM,
 * and prints one line per command: {@code label TAB rc TAB milliseconds TAB VmHWM kB TAB stderr} (stderr with
 * newlines escaped). Arguments are {@code kind:label:path} with kind {@code ckpt} ({@code clip info}, then
 * {@code clip convert} to safetensors, which reads every tensor), {@code image} ({@code clip data make-shards
 * --verify} of a one-row manifest) or {@code shard} ({@code clip data stats}). HostileCorpusTest starts it with
 * {@code -Xmx512m}, the valid files first, and compares the peak resident memory after each hostile file with the
 * peak after the valid ones. Each command's peak is measured from a collected heap ({@link #resetPeakRss}).
 */
public final class HostileCorpusMain {
    private HostileCorpusMain() {
    }

    public static void main(String[] argv) throws IOException {
        PrintStream report = System.out;
        Path work = Files.createTempDirectory("hostile-corpus");
        for (String arg : argv) {
            String[] p = arg.split(":", 3);
            String kind = p[0];
            String label = p[1];
            Path file = Path.of(p[2]);
            List<String[]> commands = new ArrayList<>();
            switch (kind) {
                case "ckpt" -> {
                    commands.add(new String[] {"info", file.toString()});
                    commands.add(new String[] {"convert", file.toString(), work.resolve(label + ".safetensors").toString()});
                }
                case "image" -> {
                    Path csv = work.resolve(label + ".tsv");
                    Files.writeString(csv, "filepath\ttitle\n" + file.toAbsolutePath() + "\ta caption\n");
                    commands.add(new String[] {"data", "make-shards", "--csv", csv.toString(), "--output",
                            work.resolve(label + "-shards").toString(), "--verify"});
                }
                case "shard" -> commands.add(new String[] {"data", "stats", "--data", file.toString(), "--workers", "2",
                        "--image-size", "32", "--context-length", "16"});
                default -> throw new IllegalArgumentException("unknown kind " + kind);
            }
            for (String[] c : commands) {
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                PrintStream oldOut = System.out;
                PrintStream oldErr = System.err;
                System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                System.gc(); // what earlier files left behind is not this file's
                resetPeakRss();
                long t0 = System.nanoTime();
                int rc;
                try {
                    rc = Main.run(c);
                } catch (Throwable t) { // Main.run must not throw; if it does, the parent sees it
                    rc = -1;
                    System.err.println("THROWN " + t);
                } finally {
                    System.setOut(oldOut);
                    System.setErr(oldErr);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String text = err.toString(StandardCharsets.UTF_8).replace("\\", "\\\\").replace("\n", "\\n").replace("\t", " ");
                report.println(label + " " + c[0] + "\t" + rc + "\t" + ms + "\t" + peakRssKb() + "\t" + text);
            }
        }
    }

    /**
     * Starts a new peak: writing 5 to /proc/self/clear_refs resets VmHWM to the current resident set (Linux 4.0+),
     * so each command's peak is its own. Where that is not allowed the peak stays cumulative (stricter).
     */
    static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // cumulative peaks then: every file is charged with the worst before it
        }
    }

    /** The process's peak resident set (heap, native memory and code), from /proc/self/status. */
    static long peakRssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IOException("no VmHWM in /proc/self/status");
    }
}
