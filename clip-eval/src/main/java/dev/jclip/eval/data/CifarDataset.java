package dev.jclip.eval.data;

import dev.jclip.eval.zeroshot.ZeroShotSuite;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their binary versions ({@code cifar-10-batches-bin}, {@code cifar-100-binary}): each
 * batch file is a run of fixed-size records, a label byte (CIFAR-100: a coarse then a fine label byte; the fine
 * one is used) followed by 3,072 pixel bytes, the 32x32 red plane, then green, then blue, rows top to bottom.
 * The files are memory-mapped, not copied onto the heap; their lengths are checked against the record size and
 * every label against the class count when the set is opened.
 *
 * <p>Class names: {@code batches.meta.txt} (CIFAR-10) or {@code fine_label_names.txt} (CIFAR-100) beside the
 * first file, as both archives ship them; without it CIFAR-10's ten names, or for CIFAR-100 the CLIP paper's
 * names ({@link ZeroShotSuite} {@code cifar100}: the same alphabetical order, with spaces for underscores).
 */
public final class CifarDataset extends LabelledImageList {
    /** The 32x32x3 pixel bytes of one image. */
    static final int PIXELS = 32 * 32 * 3;

    /**
     * A layout: its name in dataset specs ({@code cifar10:PATH}), its title, label bytes per record, class count, class-names file and the batch files of each split.
     * The two that exist are {@link #CIFAR10} and {@link #CIFAR100}.
     */
    public record Variant(String spec, String title, int labelBytes, int classes, String namesFile, List<String> trainFiles, List<String> testFiles) {
        public static final Variant CIFAR10 = new Variant("cifar10", "CIFAR-10", 1, 10, "batches.meta.txt",
                List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"), List.of("test_batch.bin"));
        public static final Variant CIFAR100 = new Variant("cifar100", "CIFAR-100", 2, 100, "fine_label_names.txt", List.of("train.bin"), List.of("test.bin"));

        int recordBytes() {
            return labelBytes + PIXELS;
        }

        /** The batch files of a split ("train" or "test") in the archive's folder. */
        public List<Path> split(Path folder, String split) {
            List<String> names = switch (split) {
                case "train" -> trainFiles;
                case "test" -> testFiles;
                default -> throw new IllegalArgumentException(title + " has splits train and test, not '" + split + "'");
            };
            return names.stream().map(folder::resolve).toList();
        }
    }

    private final Variant variant;
    private final List<Path> files;
    private final Mapped mapped;

    /**
     * @param files      batch files, read in this order
     * @param classNames names by label, or null for the names file beside the first file (else the defaults)
     */
    public CifarDataset(Variant variant, List<Path> files, List<String> classNames) throws IOException {
        this(variant, List.copyOf(files), Mapped.open(variant, files), classNames);
    }

    private CifarDataset(Variant variant, List<Path> files, Mapped mapped, List<String> classNames) throws IOException {
        super(mapped.labels, classNames != null ? ClassNames.checkCount(classNames, variant.classes(), "class-name list", variant.title())
                : defaultNames(variant, files.get(0).toAbsolutePath().getParent()));
        this.variant = variant;
        this.files = files;
        this.mapped = mapped;
    }

    /** The memory-mapped batch files, the index of each one's first image (plus the total at the end), and every label. */
    private record Mapped(MappedByteBuffer[] maps, int[] starts, int[] labels) {
        static Mapped open(Variant variant, List<Path> files) throws IOException {
            if (files.isEmpty()) throw new IllegalArgumentException("no " + variant.title() + " batch files");
            MappedByteBuffer[] maps = new MappedByteBuffer[files.size()];
            int[] starts = new int[files.size() + 1];
            int rec = variant.recordBytes();
            long total = 0;
            for (int f = 0; f < files.size(); f++) {
                Path p = files.get(f);
                if (!Files.isRegularFile(p)) throw new IOException(p + ": " + variant.title() + " batch file does not exist");
                long size = Files.size(p);
                if (size == 0 || size % rec != 0) {
                    throw new IOException(p + ": " + size + " bytes is not a whole number of " + rec + "-byte " + variant.title() + " records (record "
                            + size / rec + " is cut off after " + size % rec + " bytes)");
                }
                starts[f] = (int) total;
                total += size / rec;
                if (total > Integer.MAX_VALUE) throw new IOException(p + ": more than " + Integer.MAX_VALUE + " images in all");
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    maps[f] = ch.map(FileChannel.MapMode.READ_ONLY, 0, size); // stays valid after the channel closes
                }
            }
            starts[files.size()] = (int) total;
            int[] labels = new int[(int) total];
            for (int f = 0; f < files.size(); f++) {
                for (int r = 0; r < starts[f + 1] - starts[f]; r++) {
                    int label = maps[f].get(r * rec + variant.labelBytes() - 1) & 0xff;
                    if (label >= variant.classes()) {
                        throw new IOException(files.get(f) + ": record " + r + " has label " + label + " but " + variant.title() + " has "
                                + variant.classes() + " classes (is this a " + (variant == Variant.CIFAR10 ? "CIFAR-100" : "CIFAR-10") + " file?)");
                    }
                    labels[starts[f] + r] = label;
                }
            }
            return new Mapped(maps, starts, labels);
        }
    }

    private static List<String> defaultNames(Variant v, Path folder) throws IOException {
        Path meta = folder == null ? null : folder.resolve(v.namesFile());
        if (meta != null && Files.isRegularFile(meta)) {
            List<String> names = new ArrayList<>();
            for (String line : Files.readAllLines(meta)) if (!line.isBlank()) names.add(line.strip());
            if (names.size() != v.classes()) throw new IOException(meta + ": " + names.size() + " names but " + v.title() + " has " + v.classes() + " classes");
            return List.copyOf(names);
        }
        return v == Variant.CIFAR10 ? ClassNames.CIFAR10 : ZeroShotSuite.named("cifar100").classNames();
    }

    @Override
    public String name() {
        return variant.title() + ":" + String.join(",", files.stream().map(Path::toString).toList());
    }

    /** The 3,072 pixel bytes of image {@code i}: red plane, green plane, blue plane. */
    public byte[] pixels(int i) {
        if (i < 0 || i >= size()) throw new IndexOutOfBoundsException("image " + i + " of " + size());
        int[] starts = mapped.starts;
        int f = Arrays.binarySearch(starts, i);
        if (f < 0) f = -f - 2; // the file whose first image is the last start <= i (no file is empty)
        byte[] out = new byte[PIXELS];
        mapped.maps[f].get((i - starts[f]) * variant.recordBytes() + variant.labelBytes(), out); // absolute: safe from several threads
        return out;
    }

    @Override
    public BufferedImage image(int i) {
        byte[] p = pixels(i);
        BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        int[] rgb = new int[1024];
        for (int j = 0; j < 1024; j++) rgb[j] = (p[j] & 0xff) << 16 | (p[1024 + j] & 0xff) << 8 | (p[2048 + j] & 0xff);
        img.setRGB(0, 0, 32, 32, rgb, 0, 32);
        return img;
    }

    @Override
    public int nativeSize() {
        return 32;
    }

    @Override
    public String fingerprint() throws IOException {
        return "cifar:" + variant + ":" + FileListing.listingHash(files) + ":" + classNames();
    }
}
