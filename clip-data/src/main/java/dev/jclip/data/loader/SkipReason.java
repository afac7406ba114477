package dev.jclip.data.loader;

/** The reasons a sample (or the rest of a shard) is skipped; keys of {@link SkipCounter#snapshot()}. */
public final class SkipReason {
    /** A shard or manifest image that does not exist or cannot be opened / is not a tar archive / is empty (0 bytes). */
    public static final String SHARD_UNREADABLE = "shard_unreadable";
    /** A shard that ends (or fails to read) in the middle of an entry: the sample being read and the rest are lost. */
    public static final String TRUNCATED_SHARD = "truncated_shard";
    /** A sample without an image member (tar) or whose image file is missing (manifest). */
    public static final String MISSING_IMAGE = "missing_image";
    /** A sample without a caption, or whose caption is empty or blank. */
    public static final String MISSING_CAPTION = "missing_caption";
    /** A caption whose bytes are not valid UTF-8. */
    public static final String CAPTION_NOT_UTF8 = "caption_not_utf8";
    /** A {@code json} member that does not parse. */
    public static final String CAPTION_BAD_JSON = "caption_bad_json";
    /** Image bytes that no decoder recognises, or that fail (or warn: truncated data) while decoding. */
    public static final String CORRUPT_IMAGE = "corrupt_image";
    /** A recognised image the decoder cannot handle: unknown colour models, more pixels than the limit. */
    public static final String UNSUPPORTED_IMAGE = "unsupported_image";
    /**
     * An image over {@link dev.jclip.core.io.Limits#IMAGE_PIXELS} or {@link dev.jclip.core.io.Limits#IMAGE_ASPECT}
     * (read from its header, before decoding), or one the heap could not hold: too large, not corrupt.
     */
    public static final String IMAGE_TOO_LARGE = "image_too_large";
    /** A shard member (image, caption) over {@link dev.jclip.core.io.Limits#RECORD_BYTES}: skipped unread. */
    public static final String RECORD_TOO_LARGE = "record_too_large";
    /** The caption tokenizer threw. */
    public static final String TOKENIZE_FAILED = "tokenize_failed";
    /** A manifest row with fewer fields than the configured columns need. */
    public static final String BAD_MANIFEST_ROW = "bad_manifest_row";

    private SkipReason() {
    }
}
