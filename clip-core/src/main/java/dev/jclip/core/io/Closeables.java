package dev.jclip.core.io;

import java.io.Closeable;
import java.io.IOException;

/** Closing what a failed constructor or read opened. */
public final class Closeables {
    private Closeables() {
    }

    /**
     * Closes {@code resource} after {@code failure} and returns {@code failure} to throw: the first error is the
     * useful one, so an error while closing is only attached to it (suppressed).
     */
    public static <E extends Throwable> E closeAfter(E failure, Closeable resource) {
        try {
            resource.close();
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }
}
