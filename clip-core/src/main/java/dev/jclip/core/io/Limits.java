package dev.jclip.core.io;

import java.util.Locale;

/**
 * The one place where every reader's limits live. A file from the internet must never take the machine down:
 * each reader checks the sizes, counts and pixel counts a file declares against the file's real length and
 * against these limits <em>before</em> it allocates anything, so memory stays bounded by the limit, not by what
 * the file claims (as PIL's {@code MAX_IMAGE_PIXELS} and safetensors' header limit do).
 * <p>
 * Each limit is a system property ({@code -Djclip.limit.NAME=VALUE}, read at every check so it can be raised
 * at run time; sizes accept a {@code k}, {@code m} or {@code g} suffix, binary). docs/RELIABILITY.md lists
 * what each reader checks.
 */
public final class Limits {
    /** Bytes of a pickle ({@code data.pkl}) or a text entry ({@code code/*.py}) of a PyTorch archive. */
    public static final Limit PICKLE_BYTES = new Limit("pickleBytes", 64L << 20, "bytes");
    /** Values a pickle may create (each opcode pushing a value counts one): bounds the heap its tree takes. */
    public static final Limit PICKLE_VALUES = new Limit("pickleValues", 1_000_000, "values");
    /**
     * Elements a checkpoint's tensors may add up to, as a multiple of the elements of the storages they view:
     * 1 for a state dict whose tensors partition their storages; tied weights (two names, one storage) need 2.
     * Stops overlapping or broadcast (stride-0) views from turning a small file into gigabytes.
     */
    public static final Limit VIEW_EXPANSION = new Limit("viewExpansion", 2, "times the stored elements");
    /** Bytes of a safetensors header (the reference implementation's limit). */
    public static final Limit SAFETENSORS_HEADER_BYTES = new Limit("safetensorsHeaderBytes", 100L << 20, "bytes");
    /** Tensors in one safetensors header (the largest CLIP checkpoints have about 1,000). */
    public static final Limit SAFETENSORS_TENSORS = new Limit("safetensorsTensors", 20_000, "tensors");
    /** Pixels of one image, read from its header before decoding (PIL's {@code Image.MAX_IMAGE_PIXELS}). */
    public static final Limit IMAGE_PIXELS = new Limit("imagePixels", 89_478_485L, "pixels");
    /** Longer side over shorter side of an image: the resize to the model's size grows with it. */
    public static final Limit IMAGE_ASPECT = new Limit("imageAspect", 200, "times");
    /**
     * Pixels being decoded at once by all threads together: a decoder waits until its image fits, so the heap
     * a loader needs does not grow with its worker count (and neither do its "too large" counts).
     */
    public static final Limit DECODE_PIXELS = new Limit("decodePixels", 89_478_485L, "pixels");
    /** Bytes of one shard member (an image, a caption); the writer of shards refuses what the reader would. */
    public static final Limit RECORD_BYTES = new Limit("recordBytes", 256L << 20, "bytes");
    /** Characters of one text line (CSV manifests, tokenizer input). */
    public static final Limit LINE_CHARS = new Limit("lineChars", 1L << 20, "characters");

    private Limits() {
    }

    /**
     * One limit: its system property {@code jclip.limit.NAME}, its default and the unit it counts.
     *
     * @param name the property's last part
     * @param unit what it counts, for messages ("bytes", "pixels")
     */
    public record Limit(String name, long defaultValue, String unit) {

        /** The system property that raises (or lowers) this limit. */
        public String property() {
            return "jclip.limit." + name;
        }

        /** The value in force: the system property when set, else the default. */
        public long get() {
            String v = System.getProperty(property());
            if (v == null || v.isBlank()) return defaultValue;
            return parse(property(), v);
        }

        /** True when {@code value} is above the limit. */
        public boolean exceededBy(long value) {
            return value > get();
        }

        /**
         * The sentence every refusal ends with: what was asked for, the limit, and how to raise it, for example
         * "4294967296 bytes exceeds the limit of 67108864 bytes (raise it with -Djclip.limit.pickleBytes=...)".
         */
        public String explain(long value) {
            return value + " " + unit + " exceeds the limit of " + get() + " " + unit + " (raise it with -D" + property() + "=...)";
        }

        @Override
        public String toString() {
            return property() + "=" + get();
        }
    }

    /** A size such as {@code 1048576}, {@code 512k}, {@code 64m} or {@code 2g} (binary multiples). */
    static long parse(String property, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Math.multiplyExact(Long.parseLong(v), unit);
            if (n < 0) throw new NumberFormatException("negative");
            return n;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("-D" + property + "=" + value + " is not a size (a number, optionally with k, m or g)");
        }
    }
}
