package dev.jclip.core.io;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CloseablesTest {
    @Test
    void closesAndKeepsTheFirstErrorWithTheClosingErrorSuppressed() {
        AtomicBoolean closed = new AtomicBoolean();
        RuntimeException first = new RuntimeException("bad header");
        assertSame(first, Closeables.closeAfter(first, () -> closed.set(true)));
        assertTrue(closed.get());
        assertArrayEquals(new Throwable[0], first.getSuppressed());

        IOException closing = new IOException("close failed");
        RuntimeException second = new RuntimeException("bad header");
        assertSame(second, Closeables.closeAfter(second, () -> {
            throw closing;
        }));
        assertArrayEquals(new Throwable[]{closing}, second.getSuppressed());
    }
}
