package dev.jclip.api;

import dev.jclip.core.config.ClipConfig;

import java.net.URI;

/**
 * One row of the pretrained registry (open_clip's {@code pretrained.py}): a model name and a tag naming its
 * weights, where to download them, their SHA-256, and the architecture the weights were trained with.
 *
 * @param sha256 lower-case hex digest, or null when none is published: the first download is then pinned
 *               (its digest kept in the cache) and later uses are checked against that
 */
public record PretrainedModel(String name, String tag, URI url, String sha256, ClipConfig config) {

    /** The file name the weights are cached under: the last segment of the URL's path. */
    public String fileName() {
        String path = url.getPath();
        String last = path.substring(path.lastIndexOf('/') + 1);
        return last.isEmpty() ? name + "-" + tag + ".bin" : last;
    }

    /** True when no digest is published and the first download's is trusted. */
    public boolean pinnedOnFirstDownload() {
        return sha256 == null;
    }

    /** {@code NAME:TAG}, as {@code --pretrained} takes it. */
    public String id() {
        return name + ":" + tag;
    }
}
