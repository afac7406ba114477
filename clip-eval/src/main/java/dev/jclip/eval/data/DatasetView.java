package dev.jclip.eval.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** A subset of another dataset, by index: random subsets and stratified train/test splits without copying images. */
public final class DatasetView implements LabelledImageDataset {
    private final LabelledImageDataset base;
    private final int[] indices;
    private final String description;

    private DatasetView(LabelledImageDataset base, int[] indices, String description) {
        this.base = base;
        this.indices = indices;
        this.description = description;
    }

    /** {@code n} samples chosen by a seeded shuffle (kept in their original order); the whole set when n >= size. */
    public static LabelledImageDataset random(LabelledImageDataset base, int n, long seed) {
        if (n >= base.size()) return base;
        if (n <= 0) throw new IllegalArgumentException("subset size must be positive, got " + n);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) all.add(i);
        Collections.shuffle(all, new Random(seed));
        int[] idx = all.subList(0, n).stream().mapToInt(Integer::intValue).sorted().toArray();
        return new DatasetView(base, idx, "random " + n + " of " + base.size() + " (seed " + seed + ")");
    }

    /** Part {@code part} of {@code parts}: samples i with i mod parts == part (in a distributed evaluation, one rank's). */
    public static LabelledImageDataset part(LabelledImageDataset base, int part, int parts) {
        if (part < 0 || part >= parts) throw new IllegalArgumentException("part " + part + " outside " + parts + " parts");
        int[] idx = java.util.stream.IntStream.range(0, base.size()).filter(i -> i % parts == part).toArray();
        return new DatasetView(base, idx, "part " + part + " of " + parts);
    }

    /**
     * Splits by class: about {@code testFraction} of each class (at least one sample of a class with two or more)
     * goes to the second view, the rest to the first.
     */
    public static LabelledImageDataset[] stratifiedSplit(LabelledImageDataset base, double testFraction, long seed) {
        if (!(testFraction > 0 && testFraction < 1)) throw new IllegalArgumentException("test fraction must be in (0,1), got " + testFraction);
        int k = base.classNames().size();
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < k; c++) byClass.add(new ArrayList<>());
        for (int i = 0; i < base.size(); i++) byClass.get(base.label(i)).add(i);
        Random rnd = new Random(seed);
        boolean[] test = new boolean[base.size()];
        for (List<Integer> members : byClass) {
            Collections.shuffle(members, rnd);
            int take = members.size() < 2 ? 0 : Math.max(1, Math.min(members.size() - 1, (int) Math.round(testFraction * members.size())));
            for (int i = 0; i < take; i++) test[members.get(i)] = true;
        }
        int[] train = java.util.stream.IntStream.range(0, base.size()).filter(i -> !test[i]).toArray();
        int[] held = java.util.stream.IntStream.range(0, base.size()).filter(i -> test[i]).toArray();
        String how = "stratified split " + testFraction + " (seed " + seed + ")";
        return new LabelledImageDataset[] {new DatasetView(base, train, "train part of " + how), new DatasetView(base, held, "test part of " + how)};
    }

    @Override
    public String name() {
        return base.name() + " [" + description + "]";
    }

    @Override
    public List<String> classNames() {
        return base.classNames();
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int label(int i) {
        return base.label(indices[i]);
    }

    @Override
    public BufferedImage image(int i) throws IOException {
        return base.image(indices[i]);
    }

    /** Index {@code i} of this view in the underlying dataset. */
    public int baseIndex(int i) {
        return indices[i];
    }

    public LabelledImageDataset base() {
        return base;
    }

    @Override
    public boolean greyscale() {
        return base.greyscale();
    }

    @Override
    public int nativeSize() {
        return base.nativeSize();
    }

    @Override
    public String fingerprint() throws IOException {
        java.security.MessageDigest md = FileListing.sha256();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * indices.length);
        for (int i : indices) buf.putInt(i);
        md.update(buf.array());
        return base.fingerprint() + "|view:" + java.util.HexFormat.of().formatHex(md.digest());
    }
}
