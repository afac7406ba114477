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
        Matcher m = LINE.matcher(probe(mode));
        assertTrue(m.find());
        return new Probe(Boolean.parseBoolean(m.group(1)), Boolean.parseBoolean(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }

    /** The probe's output, run as the launcher runs jclip. */
    private static String probe(String mode) throws Exception {
        assertTrue(Files.exists(TCMALLOC), TCMALLOC + " is missing: ./build/test installs it (Debian libtcmalloc-minimal4)");
        String java = System.getProperty("jclip.maven.jvm", ProcessHandle.current().info().command().orElseThrow());
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-Dorg.bytedeco.javacpp.maxbytes=2G",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FreeMemoryReleaseProbe.class.getName(), mode)).redirectErrorStream(true);
        pb.environment().put("LD_PRELOAD", TCMALLOC.toString());
        pb.environment().put("TCMALLOC_RELEASE_RATE", "0");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("PROBE "), out);
        return out;
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
    void aNewModelKeepsOnlyItsFlatBuffersResident() throws Exception {
        // The parameters are initialised one array each, then moved into one flat buffer (values, gradients) and
        // freed. tcmalloc kept those freed arrays resident, and whether a later large allocation (AdamW's moments)
        // could reuse them depended on timing: ViT-B-32's peak was 3.2 GB in some runs and 3.7 in others.
        Matcher m = Pattern.compile("PROBE model added=(\\d+) flat=(\\d+)").matcher(probe("model"));
        assertTrue(m.find());
        long added = Long.parseLong(m.group(1)), flat = Long.parseLong(m.group(2));
        assertTrue(flat > 300_000, "a model of some size: " + flat + " kB of flat buffers");
        assertTrue(added < flat * 1.2 + 64_000, "resident after creation " + added + " kB, flat buffers " + flat + " kB");
    }

    @Test
    void withoutTcmallocItDoesNothing() {
        // surefire's JVM runs on glibc's malloc (and on Java 17 under ./build/test, without the FFM API)
        assertFalse(Machine.tcmalloc().isPresent());
        assertFalse(FreeMemoryRelease.available());
        assertFalse(FreeMemoryRelease.release());
    }
}
