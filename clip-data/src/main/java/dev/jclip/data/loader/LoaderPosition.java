package dev.jclip.data.loader;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a loader stands, to save in a checkpoint and resume from: opening a {@link DataLoader} at this position
 * yields exactly the batches that would have followed.
 *
 * @param epoch      the epoch
 * @param batches    batches of this epoch already delivered
 * @param rawSamples samples of the epoch's (shuffled) stream already used up by those batches, bad ones
 *                   included; resuming fast-forwards past them without decoding
 */
public record LoaderPosition(int epoch, long batches, long rawSamples) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public LoaderPosition {
        if (epoch < 0 || batches < 0 || rawSamples < 0) {
            throw new IllegalArgumentException("bad loader position: epoch " + epoch + ", batches " + batches + ", rawSamples " + rawSamples);
        }
    }

    /** The beginning of {@code epoch}. */
    public static LoaderPosition start(int epoch) {
        return new LoaderPosition(epoch, 0, 0);
    }

    /** As a JSON-ready map: {@code {"epoch":..,"batches":..,"raw_samples":..}}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("batches", batches);
        m.put("raw_samples", rawSamples);
        return m;
    }

    /** Inverse of {@link #toMap()}; throws naming the missing field. */
    public static LoaderPosition fromMap(Map<String, ?> m) {
        return new LoaderPosition((int) number(m, "epoch"), number(m, "batches"), number(m, "raw_samples"));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(toMap());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static LoaderPosition fromJson(String json) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(json, Map.class);
            return fromMap(m);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("bad loader position JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static long number(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) throw new IllegalArgumentException("loader position lacks numeric '" + key + "': " + m);
        return n.longValue();
    }
}
