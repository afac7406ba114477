package dev.jclip.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Folders that property tests create themselves (jqwik has no {@code @TempDir} for a whole container). */
public final class TestFolders {
    private TestFolders() {
    }

    /** Deletes a flat folder of files and the folder itself. */
    public static void deleteFlat(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
        }
        Files.deleteIfExists(dir);
    }
}
