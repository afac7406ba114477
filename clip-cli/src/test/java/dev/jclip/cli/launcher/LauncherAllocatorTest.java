package dev.jclip.cli.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code clip} launcher's choice of memory allocator ({@code JCLIP_MALLOC}): the real script runs from a copy of
 * the repository's root that holds only it and an (empty) jar, so it does not build, with {@code JCLIP_JAVA} pointing
 * at a stand-in {@code java} that prints the environment the JVM would get.
 */
class LauncherAllocatorTest {
    @TempDir
    Path root;

    private Path java;

    @BeforeEach
    void copyTheLauncher() throws IOException {
        Path launcher = Path.of("..", "clip").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(launcher), "the launcher at the repository root: " + launcher);
        Files.copy(launcher, root.resolve("clip"));
        Files.createDirectories(root.resolve("build"));
        Files.writeString(root.resolve("build/java-options"), "-Xmx1g");
        Files.createDirectories(root.resolve("clip-cli/target"));
        Files.createFile(root.resolve("clip-cli/target/clip.jar"));
        java = root.resolve("fake-java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                if [ "$1" = -XshowSettings:properties ]; then echo "    java.specification.version = 17"; exit 0; fi
                echo "LD_PRELOAD=${LD_PRELOAD:-}"
                echo "TCMALLOC_RELEASE_RATE=${TCMALLOC_RELEASE_RATE:-}"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Runs the launcher with these variables; returns the exit status and what was printed. */
    private Result launch(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("clip").toString(), "--help").redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.remove("LD_PRELOAD");
        e.remove("TCMALLOC_RELEASE_RATE");
        e.remove("JCLIP_MALLOC");
        e.put("JCLIP_JAVA", java.toString());
        e.putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Result(p.exitValue(), out);
    }

    private record Result(int status, String output) {
        String line(String name) {
            return output.lines().filter(l -> l.startsWith(name + "=")).findFirst()
                    .map(l -> l.substring(name.length() + 1)).orElseThrow(() -> new AssertionError(name + " not printed: " + output));
        }
    }

    @Test
    void glibcUnlessAskedAndAPathIsPreloaded() throws Exception {
        Result plain = launch(Map.of());
        assertEquals(0, plain.status(), plain.output());
        assertEquals("", plain.line("LD_PRELOAD"));
        assertEquals("", plain.line("TCMALLOC_RELEASE_RATE"));

        Path lib = Files.createFile(root.resolve("liballoc.so"));
        Result path = launch(Map.of("JCLIP_MALLOC", lib.toString()));
        assertEquals(0, path.status(), path.output());
        assertEquals(lib.toString(), path.line("LD_PRELOAD"));

        Result missing = launch(Map.of("JCLIP_MALLOC", root.resolve("nothing.so").toString()));
        assertEquals(2, missing.status());
        assertTrue(missing.output().contains("JCLIP_MALLOC=" + root.resolve("nothing.so") + ": no such file"), missing.output());
    }

    /** "tcmalloc" preloads the library the dynamic linker's cache knows, with the release rate at 0, or says how to install it. */
    @Test
    void tcmallocByName() throws Exception {
        Result r = launch(Map.of("JCLIP_MALLOC", "tcmalloc"));
        String installed = tcmallocInCache();
        if (installed != null) {
            assertEquals(0, r.status(), r.output());
            assertEquals(installed, r.line("LD_PRELOAD"));
            assertEquals("0", r.line("TCMALLOC_RELEASE_RATE"));
        } else {
            assertEquals(2, r.status(), r.output());
            assertTrue(r.output().contains("apt-get install libtcmalloc-minimal4"), r.output());
        }
    }

    /** What {@code ldconfig -p} lists for libtcmalloc_minimal.so.4, or null. */
    private static String tcmallocInCache() throws IOException, InterruptedException {
        String ldconfig = Files.isExecutable(Path.of("/sbin/ldconfig")) ? "/sbin/ldconfig" : "ldconfig";
        Process p = new ProcessBuilder(ldconfig, "-p").redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        p.waitFor();
        return lines.stream().map(String::trim).filter(l -> l.startsWith("libtcmalloc_minimal.so.4 "))
                .map(l -> l.substring(l.indexOf("=> ") + 3)).findFirst().orElse(null);
    }
}
