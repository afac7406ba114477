package dev.jclip.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.function.BiFunction;

/** Reading a JSON document that must be one object (model configs, run configs, the pretrained registry). */
public final class JsonObjects {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonObjects() {
    }

    /** The object in {@code json}; invalid JSON or another kind of value is a {@link ConfigException} naming {@code source}. */
    public static JsonNode parse(String json, String source) {
        return parse(json, source, ConfigException::new);
    }

    /**
     * As {@link #parse(String, String)}, with the caller's exception type ({@code error} gets the message, naming
     * {@code source}, and the parser's exception or null).
     */
    public static JsonNode parse(String json, String source, BiFunction<String, Throwable, ? extends RuntimeException> error) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw error.apply(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw error.apply(source + ": expected a JSON object", null);
        return root;
    }
}
