package dev.jclip.core;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcmalloc's free memory handed back to the system, in a JVM that runs as the launcher runs jclip: Java 25 (Maven's
 * JDK under ./build/test) with tcmalloc preloaded and {@code TCMALLOC_RELEASE_RATE=0}.
 */
class FreeMemoryReleaseTest {
    private static final Path TCMALLOC = Path.of("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4");
    private static final Pattern LINE = Pattern.compile(
            "PROBE available=(\\w+) released=(\\w+) full=(\\d+) freed=(\\d+) after=(\\d+)");

    private record Probe(boolean available, boolean released, long fullKb, long freedKb, long afterKb) {
    }

    private static Probe run(String mode) throws Exception {
        assertTrue(Files.exists(TCMALLOC), TCMALLOC + " is missing: ./build/test installs it (Debian libtcmalloc-minimal4)");
        String java = System.getProperty("jclip.maven.jvm", ProcessHandle.current().info().command().orElseThrow());
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FreeMemoryReleaseProbe.class.getName(), mode)).redirectErrorStream(true);
        pb.environment().put("LD_PRELOAD", TCMALLOC.toString());
        pb.environment().put("TCMALLOC_RELEASE_RATE", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        Matcher m = LINE.matcher(out);
        assertTrue(m.find(), out);
        return new Probe(Boolean.parseBoolean(m.group(1)), Boolean.parseBoolean(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }

    @Test
    void tcmallocKeepsFreedMemoryUntilReleased() throws Exception {
        Probe kept = run("keep");
        assertTrue(kept.available(), "Java 22+ with tcmalloc preloaded (is jclip.maven.jvm a Java 25? " + kept + ")");
        // the premise: with TCMALLOC_RELEASE_RATE=0 the 256 MB freed stay resident
        assertTrue(kept.freedKb() > kept.fullKb() - 32_000, "tcmalloc kept the freed blocks: " + kept);
        assertTrue(kept.afterKb() > kept.fullKb() - 32_000, kept.toString());

        Probe released = run("release");
        assertTrue(released.released(), released.toString());
        assertTrue(released.freedKb() > released.fullKb() - 32_000, released.toString());
        assertTrue(released.freedKb() - released.afterKb() > 200_000, "256 MB handed back: " + released);
    }

    @Test
    void withoutTcmallocItDoesNothing() {
        // surefire's JVM runs on glibc's malloc (and on Java 17 under ./build/test, without the FFM API)
        assertFalse(Machine.tcmalloc().isPresent());
        assertFalse(FreeMemoryRelease.available());
        assertFalse(FreeMemoryRelease.release());
    }
}
