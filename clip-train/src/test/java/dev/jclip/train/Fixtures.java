package dev.jclip.train;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Locates the read-only reference files under ../shared (passed by surefire as {@code jclip.shared}). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path shared() {
        String prop = System.getProperty("jclip.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared");
        assertTrue(Files.isDirectory(p), "shared reference folder not found: " + p.toAbsolutePath());
        return p;
    }

    public static Path vitTiny(String file) {
        Path p = shared().resolve("fixtures/vit-tiny").resolve(file);
        assertTrue(Files.isRegularFile(p), "fixture missing: " + p);
        return p;
    }
}
