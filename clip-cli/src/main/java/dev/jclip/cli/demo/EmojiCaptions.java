package dev.jclip.cli.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The demo's texts. Training captions fill a few templates with an emoji's name, short names, subcategory and
 * category, so the text tower meets the same words in several phrasings; zero-shot prompts and retrieval
 * captions are phrased like them.
 */
public final class EmojiCaptions {
    /** Caption templates: {name}, {short}, {shorts} (all short names), {sub} (subcategory), {cat} (category). */
    public static final List<String> TRAIN_TEMPLATES = List.of(
            "an emoji of {name}",
            "{name}",
            "a {short} emoji",
            "{short} emoji, {sub}",
            "{name}, a {sub} emoji",
            "{name} emoji from {cat}",
            "{shorts}: {sub}",
            "a drawing of {name}");

    /** Generic zero-shot prompts for a subcategory (the demo's {@code --prompts generic}, and {@code clip repro}'s emoji ensemble). */
    public static final List<String> ZERO_SHOT_TEMPLATES = List.of(
            "a {} emoji",
            "an emoji of {}",
            "{} emoji",
            "an emoji from the {} group");

    /**
     * A prompt ensemble in the training captions' own phrasings ({@code {shorts} emoji, {sub}}, {@code {shorts}: {sub}},
     * {@code {name}, a {sub} emoji}, with the subcategory where the captions have it): the demo's default, chosen on
     * the validation split (docs/DEMO.md).
     */
    public static final List<String> CAPTION_TEMPLATES = List.of(
            "emoji, {}",
            ": {}",
            ", a {} emoji");

    /** The demo's prompt ensembles by name ({@code --prompts}): {@code captions} or {@code generic}. */
    public static List<String> prompts(String name) {
        return switch (name) {
            case "captions" -> CAPTION_TEMPLATES;
            case "generic" -> ZERO_SHOT_TEMPLATES;
            default -> throw new IllegalArgumentException("prompts must be captions or generic, got '" + name + "'");
        };
    }

    private EmojiCaptions() {
    }

    public static String fill(String template, Emoji e) {
        return template.replace("{name}", e.name()).replace("{shorts}", String.join(", ", e.shortNames()))
                .replace("{short}", e.shortName()).replace("{sub}", e.subcategory()).replace("{cat}", e.category());
    }

    /**
     * {@code count} captions of {@code e} from distinct templates, chosen by a generator seeded with
     * ({@code seed}, the emoji's image name) so the choice does not depend on which other emoji are used.
     */
    public static List<String> training(Emoji e, int count, long seed) {
        List<String> templates = new ArrayList<>(TRAIN_TEMPLATES);
        Collections.shuffle(templates, new Random(seed * 0x9E3779B97F4A7C15L ^ e.image().hashCode()));
        List<String> out = new ArrayList<>();
        for (String t : templates.subList(0, Math.min(count, templates.size()))) out.add(fill(t, e));
        return out;
    }

    /** The caption that names an emoji in retrieval and in the report's top-5 lists. */
    public static String retrieval(Emoji e) {
        return fill(TRAIN_TEMPLATES.get(0), e);
    }
}
