package dev.jclip.eval.data;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Images and labels in the IDX format of MNIST and Fashion-MNIST ({@code PREFIX-images-idx3-ubyte} and
 * {@code PREFIX-labels-idx1-ubyte}, each optionally gzipped; gzip is recognised by its magic bytes). Everything is
 * read into memory (Fashion-MNIST's training set is 47 MB).
 */
public final class IdxDataset implements LabelledImageDataset {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final String name;
    private final Path imagesFile;
    private final Path labelsFile;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;
    private final List<String> classNames;

    /**
     * @param classNames names by label; null to use {@link ClassNames#FASHION_MNIST} when the path mentions
     *                   "fashion", else {@link ClassNames#DIGITS}
     */
    public IdxDataset(Path imagesFile, Path labelsFile, List<String> classNames) throws IOException {
        this.imagesFile = imagesFile;
        this.labelsFile = labelsFile;
        this.name = imagesFile.toString();
        try (DataInputStream in = open(imagesFile)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) throw new IOException(imagesFile + ": not an IDX image file (magic 0x" + Integer.toHexString(magic) + ", expected 0x803)");
            int n = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0) throw new IOException(imagesFile + ": bad dimensions " + n + "x" + rows + "x" + cols);
            long bytes = (long) n * rows * cols;
            if (bytes > Integer.MAX_VALUE - 16) throw new IOException(imagesFile + ": header says " + n + " images of " + rows + "x" + cols + ", too large");
            pixels = readData(in, (int) bytes, 16, imagesFile, n + " images of " + rows + "x" + cols);
        }
        try (DataInputStream in = open(labelsFile)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) throw new IOException(labelsFile + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ", expected 0x801)");
            int n = in.readInt();
            if (n != size()) throw new IOException(labelsFile + " has " + n + " labels but " + imagesFile + " has " + size() + " images");
            labels = readData(in, n, 8, labelsFile, n + " labels");
        }
        int maxLabel = -1;
        for (byte b : labels) maxLabel = Math.max(maxLabel, b & 0xff);
        List<String> names = classNames;
        if (names == null) {
            names = imagesFile.toString().toLowerCase().contains("fashion") ? ClassNames.FASHION_MNIST : ClassNames.DIGITS;
        }
        if (maxLabel >= names.size()) {
            throw new IOException(labelsFile + ": label " + maxLabel + " but only " + names.size() + " class names");
        }
        this.classNames = List.copyOf(names);
    }

    private static DataInputStream open(Path p) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        return new DataInputStream(b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16)) : raw);
    }

    /**
     * The {@code length} data bytes after the header. A plain file's length is checked before anything is
     * allocated; a gzipped one is read in chunks (readNBytes), so a corrupt header cannot make us allocate more
     * than the data really holds.
     */
    private static byte[] readData(DataInputStream in, int length, int headerBytes, Path p, String what) throws IOException {
        if (!gzipped(p)) {
            long have = Files.size(p) - headerBytes;
            if (have < length) throw new IOException(p + ": truncated: header says " + what + " (" + length + " data bytes) but the file holds " + have);
        }
        byte[] data = in.readNBytes(length);
        if (data.length < length) throw new IOException(p + ": truncated: header says " + what + " (" + length + " data bytes) but the data ends after " + data.length);
        return data;
    }

    private static boolean gzipped(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return pixels.length / (rows * cols);
    }

    @Override
    public int label(int i) {
        return labels[i] & 0xff;
    }

    @Override
    public BufferedImage image(int i) {
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, cols, rows, java.util.Arrays.copyOfRange(pixels, i * rows * cols, (i + 1) * rows * cols));
        return img;
    }

    /** The raw bytes of sample {@code i}, row-major (the raw-pixel baseline reads these without decoding). */
    public byte[] pixels(int i) {
        return java.util.Arrays.copyOfRange(pixels, i * rows * cols, (i + 1) * rows * cols);
    }

    @Override
    public boolean greyscale() {
        return true;
    }

    @Override
    public int nativeSize() {
        return rows == cols ? rows : 0;
    }

    @Override
    public String fingerprint() throws IOException {
        return "idx:" + imagesFile.toAbsolutePath() + ":" + Files.size(imagesFile) + ":" + Files.getLastModifiedTime(imagesFile).toMillis()
                + ":" + labelsFile.toAbsolutePath() + ":" + Files.size(labelsFile) + ":" + Files.getLastModifiedTime(labelsFile).toMillis()
                + ":" + classNames;
    }
}
