package dev.jclip.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.JsonObjects;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The pretrained weights known by name and tag: the built-in list ({@value #RESOURCE}: OpenAI's nine releases and
 * open_clip's LAION-2B ViT-B-32), which a JSON file of the same form extends, or replaces when it says
 * {@code "replace": true}. Each entry: {@code name}, {@code tag}, {@code url}, {@code sha256} (hex or null),
 * {@code config} (a preset name or an open_clip model config object) and optionally {@code quick_gelu}.
 */
public final class PretrainedRegistry {
    /** Environment variable naming a registry file that extends or replaces the built-in one. */
    public static final String ENV = "JCLIP_PRETRAINED_REGISTRY";
    static final String RESOURCE = "pretrained.json";
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Map<String, PretrainedModel> entries;

    private PretrainedRegistry(Map<String, PretrainedModel> entries) {
        this.entries = entries;
    }

    /** The list inside this jar. */
    public static PretrainedRegistry builtIn() {
        try (InputStream in = PretrainedRegistry.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("the pretrained registry is missing from the jar: " + RESOURCE);
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "jar:" + RESOURCE, null).registry;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in pretrained registry", e);
        }
    }

    /** The built-in list, extended or replaced by {@code file} (null: the built-in list alone). */
    public static PretrainedRegistry withFile(Path file) {
        PretrainedRegistry base = builtIn();
        if (file == null) return base;
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read pretrained registry " + file + " (" + ENV + "): " + e.getMessage(), e);
        }
        Parsed p = parse(text, file.toString(), file.toAbsolutePath().getParent());
        if (p.replace) return p.registry;
        Map<String, PretrainedModel> all = new LinkedHashMap<>(base.entries);
        all.putAll(p.registry.entries);
        return new PretrainedRegistry(all);
    }

    /** Every entry, in file order (built-in entries first). */
    public List<PretrainedModel> list() {
        return List.copyOf(entries.values());
    }

    /** The entry for a name and tag; the error lists the tags known for that name, or the names known. */
    public PretrainedModel get(String name, String tag) {
        PretrainedModel m = entries.get(key(name, tag));
        if (m != null) return m;
        List<String> tags = new ArrayList<>();
        for (PretrainedModel e : entries.values()) if (e.name().equalsIgnoreCase(name)) tags.add(e.tag());
        if (!tags.isEmpty()) {
            throw new IllegalArgumentException("no pretrained weights '" + tag + "' for " + name + "; known tags: " + tags);
        }
        List<String> names = new ArrayList<>();
        for (PretrainedModel e : entries.values()) if (!names.contains(e.name())) names.add(e.name());
        throw new IllegalArgumentException("no pretrained model named '" + name + "'; known: " + names
                + " (add your own with " + ENV + "=registry.json)");
    }

    private static String key(String name, String tag) {
        return name.toLowerCase(Locale.ROOT) + "\u0000" + tag.toLowerCase(Locale.ROOT);
    }

    private record Parsed(PretrainedRegistry registry, boolean replace) {
    }

    /** @param dir where relative {@code config} file paths are resolved (null: presets and objects only) */
    private static Parsed parse(String text, String source, Path dir) {
        JsonNode root = JsonObjects.parse(text, source, IllegalArgumentException::new);
        if (!root.path("models").isArray()) {
            throw new IllegalArgumentException(source + ": expected an object with a \"models\" array");
        }
        Map<String, PretrainedModel> out = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode e : root.get("models")) {
            String where = source + ": models[" + i++ + "]";
            String name = text(e, "name", where);
            String tag = text(e, "tag", where);
            where += " (" + name + ":" + tag + ")";
            URI url;
            try {
                url = URI.create(text(e, "url", where));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(where + ": invalid url: " + ex.getMessage(), ex);
            }
            if (url.getScheme() == null || url.getHost() == null) throw new IllegalArgumentException(where + ": url needs a scheme and a host: " + url);
            String sha = e.hasNonNull("sha256") ? e.get("sha256").asText().toLowerCase(Locale.ROOT) : null;
            if (sha != null && !SHA256.matcher(sha).matches()) {
                throw new IllegalArgumentException(where + ": sha256 must be 64 hex digits or null, got '" + sha + "'");
            }
            ClipConfig config = config(e, where, dir);
            if (e.has("quick_gelu")) config = new ClipConfig(config.embedDim(), e.get("quick_gelu").asBoolean(), config.vision(), config.text());
            if (out.put(key(name, tag), new PretrainedModel(name, tag, url, sha, config)) != null) {
                throw new IllegalArgumentException(where + ": " + name + ":" + tag + " is listed twice");
            }
        }
        return new Parsed(new PretrainedRegistry(out), root.path("replace").asBoolean(false));
    }

    private static ClipConfig config(JsonNode e, String where, Path dir) {
        JsonNode c = e.get("config");
        if (c == null || c.isNull()) throw new IllegalArgumentException(where + ": missing \"config\" (a preset name or a model config object)");
        try {
            if (c.isObject()) return ClipConfig.parse(c.toString(), where + " config");
            String ref = c.asText();
            if (dir != null && ref.endsWith(".json")) return ClipConfig.load(dir.resolve(ref).toString());
            return ClipConfig.load(ref);
        } catch (ConfigException ex) {
            throw new IllegalArgumentException(where + ": " + ex.getMessage(), ex);
        }
    }

    private static String text(JsonNode e, String field, String where) {
        JsonNode v = e.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) throw new IllegalArgumentException(where + ": missing \"" + field + "\"");
        return v.asText();
    }
}
