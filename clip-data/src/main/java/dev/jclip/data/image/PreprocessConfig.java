package dev.jclip.data.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Map;

/**
 * How an image becomes the model's input (open_clip's {@code preprocess_cfg}): the settings of the one image
 * pipeline, saved with a trained model so that evaluation and {@code encode} see images the way training did.
 * Only what jclip implements is accepted: bicubic interpolation and the shortest-side resize.
 *
 * @param imageSize       the model's input resolution S
 * @param mean            per-channel mean (RGB) subtracted after scaling to [0, 1]
 * @param std             per-channel standard deviation (RGB) divided by
 * @param alphaBackground what transparent pixels are composited over
 */
public record PreprocessConfig(int imageSize, float[] mean, float[] std, AlphaBackground alphaBackground) {
    /** The safetensors metadata key a trained model keeps its preprocessing under. */
    public static final String METADATA_KEY = "jclip.preprocess_cfg";
    public static final String INTERPOLATION = "bicubic";
    public static final String RESIZE_MODE = "shortest";
    private static final ObjectMapper JSON = new ObjectMapper();

    public PreprocessConfig {
        if (imageSize <= 0) throw new IllegalArgumentException("image size must be positive, got " + imageSize);
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values (RGB)");
        for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
        mean = mean.clone();
        std = std.clone();
        if (alphaBackground == null) throw new IllegalArgumentException("alpha background is required");
    }

    /** OpenAI CLIP's preprocessing at {@code imageSize}: its mean and std, transparency over white. */
    public static PreprocessConfig clip(int imageSize) {
        return new PreprocessConfig(imageSize, ClipImageTransform.MEAN, ClipImageTransform.STD, AlphaBackground.WHITE);
    }

    public PreprocessConfig withAlphaBackground(AlphaBackground background) {
        return new PreprocessConfig(imageSize, mean, std, background);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * A model's preprocessing from its checkpoint metadata ({@link #METADATA_KEY}); checkpoints without one
     * (other tools', or written before jclip recorded it) get {@link #clip(int)} at the model's size.
     */
    public static PreprocessConfig fromMetadata(Map<String, String> metadata, int imageSize, String source) {
        String json = metadata.get(METADATA_KEY);
        if (json == null) return clip(imageSize);
        PreprocessConfig p = parse(json, source);
        if (p.imageSize != imageSize) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + " says image size " + p.imageSize
                    + " but the model takes " + imageSize);
        }
        return p;
    }

    /** Reads {@link #toJson()}'s form; errors name {@code source} and the key. */
    public static PreprocessConfig parse(String json, String source) {
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject() || !n.path("size").canConvertToInt()) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + " needs an integer 'size', got " + json);
        }
        String interpolation = n.path("interpolation").asText(INTERPOLATION);
        String resize = n.path("resize_mode").asText(RESIZE_MODE);
        if (!INTERPOLATION.equals(interpolation) || !RESIZE_MODE.equals(resize)) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + " asks for interpolation '" + interpolation
                    + "' and resize_mode '" + resize + "'; jclip implements " + INTERPOLATION + " and " + RESIZE_MODE);
        }
        try {
            return new PreprocessConfig(n.get("size").asInt(), triple(n, "mean", ClipImageTransform.MEAN, source),
                    triple(n, "std", ClipImageTransform.STD, source),
                    AlphaBackground.parse(n.path("alpha_background").asText("white")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + METADATA_KEY + ": " + e.getMessage(), e);
        }
    }

    /**
     * Per-channel values as the {@code --image-mean} / {@code --image-std} options take them: three numbers (R, G,
     * B) separated by commas or spaces, or one for all three (open_clip broadcasts a single value). Errors name
     * {@code option}.
     */
    public static float[] channels(String text, String option) {
        String[] parts = text.strip().split("[,\\s]+");
        if (parts.length != 1 && parts.length != 3) {
            throw new IllegalArgumentException(option + " needs 3 numbers (R,G,B) or one, got '" + text + "'");
        }
        float[] out = new float[3];
        for (int c = 0; c < 3; c++) {
            String p = parts[parts.length == 1 ? 0 : c];
            try {
                out[c] = Float.parseFloat(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + ": '" + p + "' is not a number (in '" + text + "')");
            }
            if (!Float.isFinite(out[c])) throw new IllegalArgumentException(option + ": '" + p + "' is not finite");
        }
        return out;
    }

    private static float[] triple(JsonNode n, String key, float[] fallback, String source) {
        JsonNode a = n.get(key);
        if (a == null) return fallback;
        if (!a.isArray() || a.size() != 3) throw new IllegalArgumentException("'" + key + "' must be 3 numbers, got " + a);
        return new float[] {(float) a.get(0).asDouble(), (float) a.get(1).asDouble(), (float) a.get(2).asDouble()};
    }

    /** open_clip's preprocess_cfg keys, plus {@code alpha_background}. */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("size", imageSize);
        n.put("mode", "RGB");
        n.putArray("mean").add(mean[0]).add(mean[1]).add(mean[2]);
        n.putArray("std").add(std[0]).add(std[1]).add(std[2]);
        n.put("interpolation", INTERPOLATION);
        n.put("resize_mode", RESIZE_MODE);
        n.put("alpha_background", alphaBackground.toString());
        return n.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessConfig p && p.imageSize == imageSize && Arrays.equals(p.mean, mean)
                && Arrays.equals(p.std, std) && p.alphaBackground.equals(alphaBackground);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {imageSize, Arrays.hashCode(mean), Arrays.hashCode(std), alphaBackground.hashCode()});
    }

    @Override
    public String toString() {
        return toJson();
    }
}
