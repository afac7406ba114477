package dev.jclip.core.io;

/** A checkpoint file that cannot be read or written; the message names the file and, where known, the key. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
