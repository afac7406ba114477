package dev.jclip.data.shards;

import java.io.IOException;

/** A record (an input file, a shard member) over {@link dev.jclip.core.io.Limits#RECORD_BYTES}; the message names it. */
public final class RecordTooLargeException extends IOException {
    public RecordTooLargeException(String message) {
        super(message);
    }
}
