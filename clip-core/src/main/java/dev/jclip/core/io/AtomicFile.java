package dev.jclip.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one way jclip writes a file: into a temporary file in the same folder, fsync, then an atomic rename over
 * the target. A reader (or a run killed half-way) sees the old file or the new one, never half of one.
 */
public final class AtomicFile {
    private static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFile() {
    }

    /** Fills the temporary file it is given (by any means: a stream, a channel, a library that takes a path). */
    @FunctionalInterface
    public interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    /** Writes {@code target} through {@code writer}; on any failure the target is untouched and the temporary file gone. */
    public static void write(Path target, Writer writer) throws IOException {
        Path tmp = temporaryFor(target);
        try {
            writer.writeTo(tmp);
            commit(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, tmp -> Files.write(tmp, bytes));
    }

    /** A copy of {@code source} as {@code target}. */
    public static void copy(Path source, Path target) throws IOException {
        write(target, tmp -> Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING));
    }

    /**
     * A fresh hidden name beside {@code target} (its folder created), for writers that fill a file over many calls
     * (a tar shard) and {@link #commit} it at the end. Unique per call, so concurrent writers never share one.
     */
    public static Path temporaryFor(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        return abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet() + ".tmp");
    }

    /** Forces a finished temporary file (or folder) to disk and renames it over {@code target}. */
    public static void commit(Path tmp, Path target) throws IOException {
        if (Files.isRegularFile(tmp)) {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // a file system without atomic rename (some network mounts): still replace, without the guarantee
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
