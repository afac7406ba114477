package dev.jclip.train;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Locates the PyTorch reference files in the repository's testdata/ (passed by surefire as {@code jclip.testdata}). */
public final class Fixtures {
    private Fixtures() {
    }

    public static Path vitTiny(String file) {
        Path p = dev.jclip.core.testing.Fixtures.fixture("vit-tiny").resolve(file);
        assertTrue(Files.isRegularFile(p), "fixture missing: " + p);
        return p;
    }
}
