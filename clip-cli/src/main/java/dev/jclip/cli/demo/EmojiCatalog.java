package dev.jclip.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the emoji of one drawing style ({@code google}, {@code twitter}, ...) from emoji-datasource's
 * {@code emoji.json}: a JSON array of objects with {@code name}, {@code short_name(s)}, {@code category},
 * {@code subcategory}, {@code image} and {@code has_img_<set>}. Entries the set has no image for
 * ({@code has_img_<set>} false or the PNG missing) are left out; skin-tone variations are not used.
 */
public final class EmojiCatalog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmojiCatalog() {
    }

    /**
     * @param emojiJson the package's {@code emoji.json}
     * @param imageDir  the set's {@code img/<set>/64} folder (entries whose PNG is missing there are skipped)
     * @return the set's emoji in emoji-datasource's sort order
     * @throws IOException naming the file and the entry for malformed data
     */
    public static List<Emoji> read(Path emojiJson, String set, Path imageDir) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(emojiJson.toFile());
        } catch (IOException e) {
            throw new IOException(emojiJson + ": not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isArray()) throw new IOException(emojiJson + ": expected a JSON array of emoji");
        List<Emoji> out = new ArrayList<>();
        String hasImage = "has_img_" + set;
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            String where = emojiJson + ": entry " + i;
            if (!e.isObject()) throw new IOException(where + " is not an object");
            if (!e.path(hasImage).asBoolean(false)) continue;
            String image = text(e, "image", where);
            if (image.contains("/") || image.contains("\\")) throw new IOException(where + ": bad image name '" + image + "'");
            if (!Files.isRegularFile(imageDir.resolve(image))) continue;
            String name = text(e, "name", where + " (" + image + ")");
            List<String> shortNames = new ArrayList<>();
            JsonNode sn = e.get("short_names");
            if (sn != null && sn.isArray()) {
                for (JsonNode n : sn) if (n.isTextual() && !n.asText().isBlank()) shortNames.add(Emoji.slugWords(n.asText()));
            }
            if (shortNames.isEmpty()) shortNames.add(Emoji.slugWords(text(e, "short_name", where + " (" + image + ")")));
            out.add(new Emoji(Emoji.words(name), List.copyOf(shortNames),
                    Emoji.words(text(e, "category", where + " (" + image + ")")),
                    Emoji.slugWords(text(e, "subcategory", where + " (" + image + ")")),
                    image, e.path("sort_order").asInt(i)));
        }
        out.sort(Comparator.comparingInt(Emoji::sortOrder).thenComparing(Emoji::image));
        return out;
    }

    private static String text(JsonNode e, String field, String where) throws IOException {
        JsonNode n = e.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw new IOException(where + ": missing or empty text field '" + field + "'");
        }
        return n.asText();
    }
}
