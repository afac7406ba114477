package dev.jclip.api;

import java.net.URI;
import java.nio.file.Path;

/** Progress of a pretrained download, for a progress bar or a log. Called on the downloading thread. */
@FunctionalInterface
public interface DownloadListener {
    /** Nothing is reported. */
    DownloadListener NONE = event -> { };

    void onEvent(Event event);

    /**
     * @param bytes bytes of the file present so far (a resumed download starts at the partial file's size)
     * @param total the file's size, or -1 when the server does not say
     */
    record Event(Kind kind, URI url, Path file, long bytes, long total) {
    }

    enum Kind {
        /** The transfer begins (at {@code bytes} when resuming a partial file). */
        STARTED,
        /** More bytes arrived. */
        PROGRESS,
        /** The whole file is here; its digest is checked next. */
        FINISHED
    }
}
