package dev.jclip.data.loader;

/**
 * A sample as read, before decoding: where it came from (shard or manifest), its key, the encoded image and the
 * caption (already checked: valid UTF-8, not blank).
 */
public record RawSample(String source, String key, byte[] image, String caption) {
}
