package dev.jclip.cli.demo;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jclip.data.shards.ShardWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The demo's data in a run folder's {@code data/}: WebDataset shards of (training-style image, caption) pairs,
 * each image written once per caption, and the held-out style as PNG files with two CSV manifests that
 * clip-eval reads ({@code zeroshot.csv}: image, subcategory; {@code retrieval.csv}: image, caption). Images
 * keep their transparency (emoji PNGs are transparent around the drawing): the image pipeline composites them
 * over the run's alpha background, in training and evaluation alike; every training copy of an image but
 * the first is shrunk and shifted at random (seeded). {@code data.json} records what
 * was built; a rerun with the same inputs reuses it.
 *
 * @param trainShards   the shards as a brace pattern for the loader
 * @param trainSamples  (image, caption) pairs in the shards
 * @param trainEmoji    the emoji trained on (training style)
 * @param heldOut       the held-out emoji (other style, same concepts), in sort order
 * @param validation    emoji carved out of training ({@link #validationSplit}): their training-style images are
 *                      never trained on and never in the held-out set; recipes are chosen on them
 * @param validationStyle a third drawing style, or null: the validation emoji drawn in it show, on validation
 *                      data, how features and zero-shot carry over to a style never trained on (the held-out
 *                      style stays unseen until the test)
 * @param styleValidation the validation emoji that have an image in {@code validationStyle}, from subcategories
 *                      with at least 2 of them (empty without a third style)
 * @param captions      every training caption (for the vocabulary)
 */
public record DemoData(Path dir, String trainShards, long trainSamples, List<Emoji> trainEmoji, List<Emoji> heldOut,
                       List<Emoji> validation, String validationStyle, List<Emoji> styleValidation, List<String> captions) {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.demo");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final int SAMPLES_PER_SHARD = 1000;
    /** Share of each subcategory's emoji set aside for validation by default (313 of the 1,911 with seed 0). */
    public static final double VALIDATION_FRACTION = 0.15;
    /** Subcategories smaller than this give no validation emoji (too few would be left to train on). */
    static final int VALIDATION_MIN_CLASS = 6;

    public Path validationCsv() {
        return dir.resolve("validation").resolve("zeroshot.csv");
    }

    public Path validationImage(Emoji e) {
        return dir.resolve("validation").resolve("images").resolve(e.image());
    }

    /** The validation emoji in the third style ({@link #styleValidation}). */
    public Path styleValidationCsv() {
        return dir.resolve("validation-" + validationStyle).resolve("zeroshot.csv");
    }

    public Path styleValidationImage(Emoji e) {
        return dir.resolve("validation-" + validationStyle).resolve("images").resolve(e.image());
    }

    /**
     * Whether a split holds enough for its figures: at least two subcategories (a probe needs two classes; each
     * has at least 2 members, one to fit and one to test). With a small {@code --limit} the validation split
     * may hold none.
     */
    public static boolean enoughToEvaluate(List<Emoji> split) {
        return split.stream().map(Emoji::subcategory).distinct().count() >= 2;
    }

    public Path zeroShotCsv() {
        return dir.resolve("heldout").resolve("zeroshot.csv");
    }

    public Path retrievalCsv() {
        return dir.resolve("heldout").resolve("retrieval.csv");
    }

    public Path heldOutImage(Emoji e) {
        return dir.resolve("heldout").resolve("images").resolve(e.image());
    }

    /** Zero-shot classes: the held-out subcategories in order of first appearance (so categories stay together). */
    public List<String> classNames() {
        List<String> out = new ArrayList<>();
        for (Emoji e : heldOut) if (!out.contains(e.subcategory())) out.add(e.subcategory());
        return out;
    }

    /**
     * Builds (or reuses) the data.
     *
     * @param limit            use only this many emoji (a seeded sample), 0 for all
     * @param captionsPerImage captions (hence shard samples) per training image
     * @param validationFraction share of each subcategory set aside for validation (see {@link #validationSplit})
     * @param styleSet         a third style to draw the validation emoji in as well, or null
     * @param moreStyles       further training styles (none by default): each training emoji's copies are spread over
     *                         {@code train}'s drawing and these styles' (copy k in the (k mod n)-th of the n styles that
     *                         draw it), so the shards hold as many pairs as with one style, in more drawings
     */
    public static DemoData prepare(EmojiPackages.EmojiPackage train, EmojiPackages.EmojiPackage heldOutSet,
                                   EmojiPackages.EmojiPackage styleSet, List<EmojiPackages.TrainStyle> moreStyles, Path dir, int limit,
                                   long seed, int captionsPerImage, double validationFraction) throws IOException {
        List<Emoji> trainAll = train.emoji();
        List<Emoji> heldAll = heldOutSet.emoji();
        Set<String> inHeldOut = new HashSet<>();
        for (Emoji e : heldAll) inHeldOut.add(e.image());
        List<Emoji> concepts = new ArrayList<>(trainAll.stream().filter(e -> inHeldOut.contains(e.image())).toList());
        if (concepts.isEmpty()) {
            throw new IOException("no emoji has an image in both " + train.imageDir() + " and " + heldOutSet.imageDir());
        }
        if (limit > 0 && limit < concepts.size()) {
            List<Emoji> shuffled = new ArrayList<>(concepts);
            Collections.shuffle(shuffled, new Random(seed));
            Set<String> keep = new HashSet<>();
            for (Emoji e : shuffled.subList(0, limit)) keep.add(e.image());
            concepts.removeIf(e -> !keep.contains(e.image()));
        }
        List<Emoji> validation = validationSplit(concepts, seed, validationFraction);
        Set<String> inValidation = new HashSet<>();
        for (Emoji e : validation) inValidation.add(e.image());
        concepts.removeIf(e -> inValidation.contains(e.image()));
        Set<String> chosen = new HashSet<>();
        for (Emoji e : concepts) chosen.add(e.image());
        List<Emoji> heldOut = heldAll.stream().filter(e -> chosen.contains(e.image())).toList();
        List<Emoji> styleValidation = styleSet == null ? List.of() : inStyle(validation, styleSet);
        LOG.info("{} emoji: {} {} images for training ({} available), {} {} images of the same emoji held out, "
                        + "{} other {} images for validation", concepts.size() + validation.size(), concepts.size(), train.set(),
                trainAll.size(), heldOut.size(), heldOutSet.set(), validation.size(), train.set());

        List<String> captions = new ArrayList<>();
        List<List<String>> perImage = new ArrayList<>();
        for (Emoji e : concepts) {
            List<String> c = EmojiCaptions.training(e, captionsPerImage, seed);
            perImage.add(c);
            captions.addAll(c);
        }
        long samples = captions.size();
        int shards = (int) ((samples + SAMPLES_PER_SHARD - 1) / SAMPLES_PER_SHARD);
        String spec = dir.resolve("train").toAbsolutePath() + "/shard-{00000.." + String.format("%05d", shards - 1) + "}.tar";
        DemoData data = new DemoData(dir, spec, samples, List.copyOf(concepts), heldOut, validation,
                styleSet == null ? null : styleSet.set(), styleValidation, List.copyOf(captions));
        if (styleSet != null) {
            LOG.info("{} of the validation emoji also in the {} style (validation only: never trained on, never held out)",
                    styleValidation.size(), styleSet.set());
        }

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("train_images", train.imageDir().toAbsolutePath().toString());
        manifest.put("held_out_images", heldOutSet.imageDir().toAbsolutePath().toString());
        if (!moreStyles.isEmpty()) {
            List<String> more = new ArrayList<>();
            for (EmojiPackages.TrainStyle st : moreStyles) more.add(st.imageDir().toAbsolutePath().toString());
            manifest.put("more_train_images", more);
        }
        manifest.put("emoji", concepts.size());
        manifest.put("held_out", heldOut.size());
        manifest.put("validation", validation.size());
        manifest.put("validation_fraction", validationFraction);
        if (styleSet != null) {
            manifest.put("validation_style_images", styleSet.imageDir().toAbsolutePath().toString());
            manifest.put("validation_style", styleValidation.size());
        }
        manifest.put("limit", limit);
        manifest.put("seed", seed);
        manifest.put("captions_per_image", captionsPerImage);
        manifest.put("train_samples", samples);
        manifest.put("train_shards", spec);
        manifest.put("images", "transparent"); // earlier versions wrote them composited on white
        Path marker = dir.resolve("data.json");
        String manifestJson = JSON.writeValueAsString(manifest);
        if (Files.isRegularFile(marker) && Files.readString(marker).equals(manifestJson)) {
            LOG.info("reusing the shards and held-out images in {}", dir);
            return data;
        }
        if (Files.isDirectory(dir) && !Files.isRegularFile(marker) && !isEmpty(dir)) {
            throw new IOException(dir + " exists and is not the demo's data folder (no data.json): choose another --output");
        }
        EmojiPackages.deleteTree(dir); // ours (or empty): rebuilt from scratch
        LOG.info("writing {} training pairs ({} {} images x {} captions) as {} shards in {}", samples, concepts.size(),
                train.set(), captionsPerImage, shards, dir.resolve("train"));
        List<List<Path>> drawings = new ArrayList<>(); // per training emoji: its drawing in each style that has one
        for (Emoji e : concepts) {
            List<Path> d = new ArrayList<>(List.of(train.imageDir().resolve(e.image())));
            for (EmojiPackages.TrainStyle st : moreStyles) {
                Path p = st.image(e);
                if (p != null) d.add(p);
            }
            drawings.add(d);
        }
        for (EmojiPackages.TrainStyle st : moreStyles) {
            LOG.info("also training on {} {} drawings of the {} training emoji (each emoji's {} pairs spread over its styles)",
                    concepts.stream().filter(e -> st.image(e) != null).count(), st.set(), concepts.size(), captionsPerImage);
        }
        try (ShardWriter w = new ShardWriter(dir.resolve("train"), "shard", SAMPLES_PER_SHARD)) {
            // caption-major order: the copies of an image lie a whole pass apart, so they rarely share a batch
            for (int k = 0; k < captionsPerImage; k++) {
                for (int i = 0; i < concepts.size(); i++) {
                    if (k >= perImage.get(i).size()) continue;
                    Emoji e = concepts.get(i);
                    List<Path> d = drawings.get(i);
                    Path drawing = d.get(k % d.size()); // each style's first copy full size, later ones shrunk and shifted
                    byte[] png = k < d.size() ? Files.readAllBytes(drawing)
                            : shrunkPng(drawing, new Random(seed * 31 + k ^ e.image().hashCode()));
                    w.write(String.format("e%05d_c%d", i, k), "png", png, perImage.get(i).get(k), null);
                }
            }
        }
        LOG.info("writing {} held-out {} images and the evaluation manifests in {}", heldOut.size(), heldOutSet.set(), dir.resolve("heldout"));
        Files.createDirectories(dir.resolve("heldout").resolve("images"));
        StringBuilder zs = new StringBuilder("image,label\n");
        StringBuilder rt = new StringBuilder("image,caption\n");
        for (Emoji e : heldOut) {
            Files.copy(heldOutSet.imageDir().resolve(e.image()), data.heldOutImage(e), StandardCopyOption.REPLACE_EXISTING);
            String rel = "images/" + e.image();
            zs.append(csv(rel)).append(',').append(csv(e.subcategory())).append('\n');
            rt.append(csv(rel)).append(',').append(csv(EmojiCaptions.retrieval(e))).append('\n');
        }
        AtomicFile.writeString(data.zeroShotCsv(), zs.toString());
        AtomicFile.writeString(data.retrievalCsv(), rt.toString());
        LOG.info("writing {} validation {} images in {}", validation.size(), train.set(), dir.resolve("validation"));
        Files.createDirectories(dir.resolve("validation").resolve("images"));
        StringBuilder vs = new StringBuilder("image,label\n");
        for (Emoji e : validation) {
            Files.copy(train.imageDir().resolve(e.image()), data.validationImage(e), StandardCopyOption.REPLACE_EXISTING);
            vs.append(csv("images/" + e.image())).append(',').append(csv(e.subcategory())).append('\n');
        }
        AtomicFile.writeString(data.validationCsv(), vs.toString());
        if (styleSet != null) {
            Files.createDirectories(data.styleValidationCsv().resolveSibling("images"));
            StringBuilder ss = new StringBuilder("image,label\n");
            for (Emoji e : styleValidation) {
                Files.copy(styleSet.imageDir().resolve(e.image()), data.styleValidationImage(e), StandardCopyOption.REPLACE_EXISTING);
                ss.append(csv("images/" + e.image())).append(',').append(csv(e.subcategory())).append('\n');
            }
            AtomicFile.writeString(data.styleValidationCsv(), ss.toString());
        }
        AtomicFile.writeString(marker, manifestJson);
        return data;
    }

    /**
     * The validation emoji: from each subcategory of at least {@link #VALIDATION_MIN_CLASS} emoji, a seeded
     * {@code fraction} of them (at least 2, so a probe on them has a member to fit and one to test),
     * in the order of {@code concepts}. Seeded per subcategory, so the choice does not depend on the others.
     */
    static List<Emoji> validationSplit(List<Emoji> concepts, long seed, double fraction) {
        Map<String, List<Emoji>> bySub = new LinkedHashMap<>();
        for (Emoji e : concepts) bySub.computeIfAbsent(e.subcategory(), k -> new ArrayList<>()).add(e);
        Set<String> picked = new HashSet<>();
        for (var entry : bySub.entrySet()) {
            List<Emoji> members = new ArrayList<>(entry.getValue());
            if (members.size() < VALIDATION_MIN_CLASS) continue;
            members.sort(java.util.Comparator.comparing(Emoji::image));
            Collections.shuffle(members, new Random(seed * 0x9E3779B97F4A7C15L ^ entry.getKey().hashCode() ^ 0x5EED));
            int take = Math.min(members.size() - 2, Math.max(2, (int) Math.round(fraction * members.size())));
            for (Emoji e : members.subList(0, take)) picked.add(e.image());
        }
        return concepts.stream().filter(e -> picked.contains(e.image())).toList();
    }

    /** The emoji of {@code split} that {@code set} has an image of, from subcategories with at least 2 of them. */
    static List<Emoji> inStyle(List<Emoji> split, EmojiPackages.EmojiPackage set) throws IOException {
        Set<String> drawn = new HashSet<>();
        for (Emoji e : set.emoji()) drawn.add(e.image());
        List<Emoji> present = split.stream().filter(e -> drawn.contains(e.image())).toList();
        Map<String, Long> perSub = new LinkedHashMap<>();
        for (Emoji e : present) perSub.merge(e.subcategory(), 1L, Long::sum);
        return present.stream().filter(e -> perSub.get(e.subcategory()) >= 2).toList();
    }

    /**
     * The image shrunk to 70-100% of its side and placed at a random spot of a transparent canvas (RGBA PNG): the
     * drawings of one style fill the frame to different extents than another's, and this keeps the model from
     * relying on the exact extent.
     */
    static byte[] shrunkPng(Path file, Random rnd) throws IOException {
        BufferedImage src = read(file);
        double scale = 0.7 + 0.3 * rnd.nextDouble();
        int w = (int) Math.round(src.getWidth() * scale);
        int h = (int) Math.round(src.getHeight() * scale);
        return drawOnTransparent(src, scale, rnd.nextInt(src.getWidth() - w + 1), rnd.nextInt(src.getHeight() - h + 1));
    }

    private static BufferedImage read(Path file) throws IOException {
        BufferedImage src;
        try {
            src = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IOException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        if (src == null) throw new IOException("not a readable image: " + file);
        return src;
    }

    private static byte[] drawOnTransparent(BufferedImage src, double scale, int x, int y) throws IOException {
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = rgb.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, x, y, (int) Math.round(src.getWidth() * scale), (int) Math.round(src.getHeight() * scale), null);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(rgb, "png", out);
        return out.toByteArray();
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** A CSV field, quoted (the manifests clip-eval reads). */
    public static String csv(String field) {
        return '"' + field.replace("\"", "\"\"") + '"';
    }

}
