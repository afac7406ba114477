package dev.jclip.data.synth;

import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.image.RgbImage;
import dev.jclip.data.loader.Seeds;
import dev.jclip.data.shards.ShardWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic toy dataset a tiny CLIP can learn: one coloured shape on a noisy light background, captioned
 * in words, e.g. "a red circle on the left". Sample {@code i} depends only on (seed, i), so any subset can be
 * regenerated. The class of a sample is colour x shape ({@link #classNames()}, e.g. "red circle"), for
 * zero-shot tests; position varies within a class.
 *
 * <p>Shapes are rasterised by point-in-shape tests on pixel centres (no antialiasing), so images are identical on
 * every JVM.
 */
public final class SyntheticShapes {
    public static final List<String> SHAPES = List.of("circle", "square", "triangle", "diamond");
    public static final List<String> COLOURS = List.of("red", "green", "blue", "yellow", "purple", "cyan");
    public static final List<String> POSITIONS = List.of("left", "right", "top", "bottom", "middle");
    private static final int[][] RGB = {{220, 30, 30}, {30, 170, 40}, {30, 60, 220}, {235, 210, 30}, {140, 40, 170}, {30, 200, 210}};
    private static final String[] PLACE = {"on the left", "on the right", "at the top", "at the bottom", "in the middle"};
    private static final String[] TEMPLATES = {"a %s %s %s", "a picture of a %s %s %s", "%3$s, a %1$s %2$s"};
    private static final long HELD_OUT_SALT = 0x48454C44L;

    /**
     * One generated sample.
     *
     * @param classIndex {@code colour * SHAPES.size() + shape}, indexing {@link #classNames()}
     */
    public record Sample(String key, RgbImage image, String caption, int shape, int colour, int position, int classIndex) {
    }

    private final int size;
    private final long seed;

    /** @param size image width and height in pixels (at least 16) */
    public SyntheticShapes(int size, long seed) {
        if (size < 16) throw new IllegalArgumentException("synthetic image size must be at least 16, got " + size);
        this.size = size;
        this.seed = seed;
    }

    /** "colour shape" for every class, in class-index order. */
    public static List<String> classNames() {
        List<String> out = new ArrayList<>();
        for (String c : COLOURS) for (String s : SHAPES) out.add(c + " " + s);
        return out;
    }

    /** Training sample {@code i}. */
    public Sample sample(long i) {
        return generate(String.format("%09d", i), new SplittableRandom(Seeds.mix(seed, i)));
    }

    /** {@code n} held-out samples, drawn from a stream disjoint from {@link #sample(long)}'s. */
    public List<Sample> heldOut(int n) {
        List<Sample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(generate(String.format("heldout%06d", i), new SplittableRandom(Seeds.mix(seed, HELD_OUT_SALT, i))));
        return out;
    }

    /**
     * Writes samples {@code 0 .. n-1} as WebDataset shards {@code prefix-00000.tar ...} plus sizes.json.
     *
     * @param format "png" (lossless) or "jpg"
     */
    public List<Path> writeShards(Path dir, String prefix, int n, int samplesPerShard, String format) throws IOException {
        if (!format.equals("png") && !format.equals("jpg")) throw new IllegalArgumentException("format must be png or jpg, got " + format);
        try (ShardWriter w = new ShardWriter(dir, prefix, samplesPerShard)) {
            for (int i = 0; i < n; i++) {
                Sample s = sample(i);
                byte[] img = format.equals("png") ? ImageEncoder.png(s.image()) : ImageEncoder.jpeg(s.image(), 0.92f);
                String json = "{\"caption\":\"" + s.caption() + "\",\"class\":" + s.classIndex() + "}";
                w.write(s.key(), format, img, s.caption(), json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            w.close();
            return w.shards();
        }
    }

    private Sample generate(String key, SplittableRandom rng) {
        int shape = rng.nextInt(SHAPES.size());
        int colour = rng.nextInt(COLOURS.size());
        int position = rng.nextInt(POSITIONS.size());
        double r = size * (0.16 + 0.06 * rng.nextDouble()); // shape "radius"
        double jitter = size * 0.05;
        double cx = size / 2.0;
        double cy = size / 2.0;
        switch (position) {
            case 0 -> cx = size * 0.25;
            case 1 -> cx = size * 0.75;
            case 2 -> cy = size * 0.25;
            case 3 -> cy = size * 0.75;
            default -> { }
        }
        cx += (rng.nextDouble() * 2 - 1) * jitter;
        cy += (rng.nextDouble() * 2 - 1) * jitter;
        byte[] px = new byte[size * size * 3];
        int[] col = RGB[colour];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int o = (y * size + x) * 3;
                double dx = (x + 0.5 - cx) / r;
                double dy = (y + 0.5 - cy) / r;
                if (inside(shape, dx, dy)) {
                    for (int c = 0; c < 3; c++) px[o + c] = (byte) clamp(col[c] + rng.nextInt(21) - 10);
                } else {
                    int grey = 225 + rng.nextInt(21) - 10;
                    for (int c = 0; c < 3; c++) px[o + c] = (byte) grey;
                }
            }
        }
        String template = TEMPLATES[rng.nextInt(TEMPLATES.length)];
        String caption = String.format(template, COLOURS.get(colour), SHAPES.get(shape), PLACE[position]);
        return new Sample(key, new RgbImage(size, size, px), caption, shape, colour, position, colour * SHAPES.size() + shape);
    }

    /** Point (dx, dy), in units of the shape's radius from its centre, inside the shape? */
    private static boolean inside(int shape, double dx, double dy) {
        return switch (shape) {
            case 0 -> dx * dx + dy * dy <= 1;
            case 1 -> Math.abs(dx) <= 0.85 && Math.abs(dy) <= 0.85;
            case 2 -> dy <= 0.8 && dy >= -1 && Math.abs(dx) <= (dy + 1) / 1.8 * 1.0; // apex up
            default -> Math.abs(dx) + Math.abs(dy) <= 1;
        };
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
