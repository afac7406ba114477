package dev.jclip.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class AtomicFileTest {
    @TempDir
    Path dir;

    private long filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("sub/metrics.json");
        AtomicFile.writeString(f, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(f, tmp -> {
            Files.writeString(tmp, "half of the new fi");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(1, filesIn(f.getParent()), "the temporary file is removed");
    }

    @Test
    void replacesAndCreatesFolders() throws IOException {
        Path f = dir.resolve("a/b/c.txt");
        AtomicFile.writeString(f, "one");
        AtomicFile.writeBytes(f, new byte[]{'t', 'w', 'o'});
        assertEquals("two", Files.readString(f));
        Path copy = dir.resolve("copy.txt");
        AtomicFile.copy(f, copy);
        assertEquals("two", Files.readString(copy));
    }

    @Test
    void temporaryNamesAreHiddenSiblingsAndUnique() throws IOException {
        Path f = dir.resolve("shard-00000.tar");
        Path t1 = AtomicFile.temporaryFor(f);
        Path t2 = AtomicFile.temporaryFor(f);
        assertNotEquals(t1, t2);
        assertEquals(f.toAbsolutePath().getParent(), t1.getParent(), "same folder, so the rename is atomic");
        assertTrue(t1.getFileName().toString().startsWith("."), t1.toString());
        Files.writeString(t1, "tar");
        AtomicFile.commit(t1, f);
        assertFalse(Files.exists(t1));
        assertEquals("tar", Files.readString(f));
    }
}
