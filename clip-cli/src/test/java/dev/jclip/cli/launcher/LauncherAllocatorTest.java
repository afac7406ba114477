package dev.jclip.cli.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code clip} launcher's choice of memory allocator ({@code JCLIP_MALLOC}): the real script runs from a copy of
 * the repository's root that holds only it and (empty) jars, so it does not build, with {@code JCLIP_JAVA} pointing
 * at a stand-in {@code java} that prints the environment the JVM would get and reports the Java version it is told
 * ({@code FAKE_JAVA_VERSION}, 25 by default).
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
        // on Java 25 the launcher rebuilds a jar that lacks the MPI engine or the bf16 products
        Files.createDirectories(root.resolve("clip-cli/target/lib"));
        Files.createFile(root.resolve("clip-cli/target/lib/clip-dist-0.1.0-SNAPSHOT.jar"));
        Files.createFile(root.resolve("clip-cli/target/lib/clip-onednn-0.1.0-SNAPSHOT.jar"));
        java = root.resolve("fake-java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                if [ "$1" = -XshowSettings:properties ]; then echo "    java.specification.version = ${FAKE_JAVA_VERSION:-25}"; exit 0; fi
                echo "LD_PRELOAD=${LD_PRELOAD:-}"
                echo "TCMALLOC_RELEASE_RATE=${TCMALLOC_RELEASE_RATE:-}"
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        // a dynamic linker cache that knows no tcmalloc: a directory put first on PATH for the "not installed" cases
        Path bin = Files.createDirectories(root.resolve("no-tcmalloc"));
        Files.writeString(bin.resolve("ldconfig"), "#!/usr/bin/env bash\necho \"1 libs found in cache\"\n");
        Files.setPosixFilePermissions(bin.resolve("ldconfig"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Map<String, String> withoutTcmalloc(String... more) {
        Map<String, String> env = new HashMap<>(Map.of("PATH", root.resolve("no-tcmalloc") + ":" + System.getenv("PATH")));
        for (int i = 0; i < more.length; i += 2) env.put(more[i], more[i + 1]);
        return env;
    }

    /** Runs the launcher with these variables; returns the exit status and what was printed. */
    private Result launch(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("clip").toString(), "--help").redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.remove("LD_PRELOAD");
        e.remove("TCMALLOC_RELEASE_RATE");
        e.remove("JCLIP_MALLOC");
        e.remove("FAKE_JAVA_VERSION");
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

    /** Unset: tcmalloc where it is installed and Java is 22+ (the step arena's release needs the FFM API), else glibc. */
    @Test
    void tcmallocByDefaultOnJava22AndLater() throws Exception {
        String installed = tcmallocInCache();
        assertTrue(installed != null, "libtcmalloc_minimal.so.4 is not installed: ./build/test installs it (libtcmalloc-minimal4)");
        Result java25 = launch(Map.of());
        assertEquals(0, java25.status(), java25.output());
        assertEquals(installed, java25.line("LD_PRELOAD"));
        assertEquals("0", java25.line("TCMALLOC_RELEASE_RATE"));

        for (Result glibc : List.of(launch(Map.of("FAKE_JAVA_VERSION", "17")), launch(withoutTcmalloc()),
                launch(Map.of("JCLIP_MALLOC", "glibc")))) {
            assertEquals(0, glibc.status(), glibc.output());
            assertEquals("", glibc.line("LD_PRELOAD"));
            assertEquals("", glibc.line("TCMALLOC_RELEASE_RATE"));
        }
    }

    @Test
    void aPathIsPreloaded() throws Exception {
        Path lib = Files.createFile(root.resolve("liballoc.so"));
        Result path = launch(Map.of("JCLIP_MALLOC", lib.toString()));
        assertEquals(0, path.status(), path.output());
        assertEquals(lib.toString(), path.line("LD_PRELOAD"));

        Result missing = launch(Map.of("JCLIP_MALLOC", root.resolve("nothing.so").toString()));
        assertEquals(2, missing.status());
        assertTrue(missing.output().contains("JCLIP_MALLOC=" + root.resolve("nothing.so") + ": no such file"), missing.output());
    }

    /** "tcmalloc" insists: on Java 17 too, or an error that says how to install it. */
    @Test
    void tcmallocByName() throws Exception {
        Result r = launch(Map.of("JCLIP_MALLOC", "tcmalloc", "FAKE_JAVA_VERSION", "17"));
        assertEquals(0, r.status(), r.output());
        assertEquals(tcmallocInCache(), r.line("LD_PRELOAD"));
        assertEquals("0", r.line("TCMALLOC_RELEASE_RATE"));

        Result missing = launch(withoutTcmalloc("JCLIP_MALLOC", "tcmalloc"));
        assertEquals(2, missing.status(), missing.output());
        assertTrue(missing.output().contains("apt-get install libtcmalloc-minimal4"), missing.output());
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
