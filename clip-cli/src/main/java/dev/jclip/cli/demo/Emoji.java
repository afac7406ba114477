package dev.jclip.cli.demo;

import java.util.List;
import java.util.Locale;

/**
 * One emoji of emoji-datasource's {@code emoji.json}, with its words in the plain lower-case form that captions,
 * class names and prompts use.
 *
 * @param name        Unicode name, e.g. {@code "grinning face"}
 * @param shortNames  short names, e.g. {@code ["grinning"]}, underscores and dashes turned into spaces
 * @param category    e.g. {@code "smileys & emotion"}
 * @param subcategory e.g. {@code "face smiling"} (the zero-shot class)
 * @param image       the image file name in {@code img/<set>/64/}, e.g. {@code 1f600.png}
 * @param sortOrder   emoji-datasource's display order
 */
public record Emoji(String name, List<String> shortNames, String category, String subcategory, String image, int sortOrder) {

    /** The first short name (emoji-datasource's {@code short_name}). */
    public String shortName() {
        return shortNames.get(0);
    }

    /** Lower case, runs of white space collapsed. */
    static String words(String s) {
        return s.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** A short name or subcategory as words: {@code "smiley_cat"} becomes {@code "smiley cat"}. */
    static String slugWords(String s) {
        return words(s.replace('_', ' ').replace('-', ' '));
    }
}
