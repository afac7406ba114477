package dev.jclip.eval.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.data.shards.ShardWriter;
import dev.jclip.eval.zeroshot.PromptTemplates;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Turns a labelled image set (e.g. Fashion-MNIST's IDX files) into WebDataset shards of (PNG image, caption), the
 * caption made by putting the sample's class name into a template chosen at random ("a photo of a {}" ...). This
 * gives a caption-trained CLIP a data set whose zero-shot classes and prompts are known exactly.
 *
 * <p>Deterministic for a seed: the samples taken (a seeded random subset of {@code limit}, in shuffled order so
 * every shard mixes the classes) and each sample's template come from two {@link SplittableRandom} streams of the
 * seed. Sample keys are {@code 000000000, 000000001, ...}; each sample also gets a {@code json} member with its
 * {@code label}, {@code class}, {@code source_index} (index in the input set) and {@code template}.
 */
public final class LabelCaptionShards {
    /** Caption templates used when none are given; evaluate zero-shot with the same ones. */
    public static final List<String> DEFAULT_TEMPLATES = List.of(
            "a photo of a {}.",
            "a {} on a plain background.",
            "a picture of a {}.",
            "a black and white photo of a {}.",
            "a low resolution photo of a {}.",
            "a small image of a {}.");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was written. */
    public record Result(int samples, List<Path> shards, int[] perClass) {
    }

    private LabelCaptionShards() {
    }

    /**
     * Writes the shards ({@code {prefix}-00000.tar}, ... and {@code sizes.json}) into {@code output}.
     *
     * @param limit number of samples to take (a seeded random subset); 0 or the data set's size for all of them
     * @throws IllegalArgumentException for a template without {@code {}}, no templates, or a bad limit
     */
    public static Result write(LabelledImageDataset data, Path output, List<String> templates, int limit, long seed,
                               int samplesPerShard, String prefix) throws IOException {
        if (templates.isEmpty()) throw new IllegalArgumentException("no caption templates");
        for (String t : templates) {
            if (!t.contains("{}")) throw new IllegalArgumentException("caption template has no {} placeholder: " + t);
        }
        int n = data.size();
        if (limit < 0 || limit > n) {
            throw new IllegalArgumentException("limit " + limit + " outside 0.." + n + " (the size of " + data.name() + ")");
        }
        int take = limit == 0 ? n : limit;
        int[] order = shuffledIndices(n, new SplittableRandom(seed));
        SplittableRandom templateRng = new SplittableRandom(seed).split();
        int[] perClass = new int[data.classNames().size()];
        ShardWriter writer = new ShardWriter(output, prefix, samplesPerShard);
        try (writer) {
            for (int s = 0; s < take; s++) {
                int index = order[s];
                int label = data.label(index);
                String className = data.classNames().get(label);
                String template = templates.get(templateRng.nextInt(templates.size()));
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("label", label);
                meta.put("class", className);
                meta.put("source_index", index);
                meta.put("template", template);
                String key = String.format("%09d", s);
                writer.write(key, "png", png(data.image(index), data.name(), index),
                        PromptTemplates.fill(template, className), JSON.writeValueAsBytes(meta));
                perClass[label]++;
            }
        }
        return new Result(take, writer.shards(), perClass);
    }

    /** A seeded Fisher-Yates permutation of 0..n-1. */
    private static int[] shuffledIndices(int n, SplittableRandom rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static byte[] png(BufferedImage image, String source, int index) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        if (!ImageIO.write(image, "png", bytes)) throw new IOException(source + " sample " + index + ": no PNG writer for this image type");
        return bytes.toByteArray();
    }
}
