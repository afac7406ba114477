package dev.jclip.eval.zeroshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Prompt templates: strings with a {@code {}} where the class name goes. */
public final class PromptTemplates {
    /** The CLIP paper's single default prompt. */
    public static final List<String> DEFAULT = List.of("a photo of a {}.");

    private PromptTemplates() {
    }

    /** One template per line; blank lines and lines starting with '#' are skipped; each must contain {@code {}}. */
    public static List<String> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String t = lines.get(i).strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            if (!t.contains("{}")) throw new IOException(file + ":" + (i + 1) + ": template has no {} placeholder: " + t);
            out.add(t);
        }
        if (out.isEmpty()) throw new IOException(file + ": no templates");
        return out;
    }

    /** How many {@code {}} placeholders {@code template} holds. */
    public static int placeholders(String template) {
        int n = 0;
        for (int i = template.indexOf("{}"); i >= 0; i = template.indexOf("{}", i + 2)) n++;
        return n;
    }

    /** The template with every {@code {}} replaced by the class name. */
    public static String fill(String template, String className) {
        return template.replace("{}", className);
    }
}
