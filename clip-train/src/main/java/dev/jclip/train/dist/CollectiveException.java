package dev.jclip.train.dist;

/** A collective operation could not complete: another rank failed, left, or did not arrive in time. */
public final class CollectiveException extends RuntimeException {
    public CollectiveException(String message) {
        super(message);
    }

    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
