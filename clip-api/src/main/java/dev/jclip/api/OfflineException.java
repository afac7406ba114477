package dev.jclip.api;

import java.io.IOException;

/** Offline mode was asked for and the weights are not in the cache; the message names the file and the folder. */
public final class OfflineException extends IOException {
    public OfflineException(String message) {
        super(message);
    }
}
