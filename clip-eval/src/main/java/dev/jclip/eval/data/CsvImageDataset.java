package dev.jclip.eval.data;

import dev.jclip.data.table.DelimitedTable;
import dev.jclip.data.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A CSV/TSV manifest of labelled images: a header with an image column ({@code image}, {@code path},
 * {@code filepath} or {@code file}) and a label column ({@code label} or {@code class}). Relative image paths are
 * resolved against the manifest's folder.
 *
 * <p>Labels are class names. With a class-name list they must all be in it (its order defines the label index);
 * without one, the classes are the distinct labels sorted (numerically when all are integers).
 */
public final class CsvImageDataset implements LabelledImageDataset {
    private final Path manifest;
    private final List<Path> files = new ArrayList<>();
    private final int[] labels;
    private final List<String> classNames;

    public CsvImageDataset(Path manifest, List<String> classNames) throws IOException {
        this.manifest = manifest;
        DelimitedTable table = DelimitedTable.read(manifest);
        int imageCol = table.column("image", "image", "path", "filepath", "file");
        int labelCol = table.column("label", "label", "class");
        if (table.rows().isEmpty()) throw new IOException(manifest + ": no data rows");
        List<String> rawLabels = new ArrayList<>();
        Path base = manifest.toAbsolutePath().getParent();
        for (DelimitedTable.Row r : table.rows()) {
            String path = r.text(imageCol);
            String label = r.text(labelCol);
            if (path.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty image path");
            if (label.isEmpty()) throw new IOException(manifest + ":" + r.line() + ": empty label");
            Path p = base.resolve(path);
            if (!Files.isRegularFile(p)) throw new IOException(manifest + ":" + r.line() + ": image " + p + " does not exist");
            files.add(p);
            rawLabels.add(label);
        }
        this.classNames = classNames != null ? List.copyOf(classNames) : sortedDistinct(rawLabels);
        Map<String, Integer> index = new HashMap<>();
        for (int c = 0; c < this.classNames.size(); c++) index.put(this.classNames.get(c), c);
        labels = new int[rawLabels.size()];
        for (int i = 0; i < labels.length; i++) {
            Integer c = index.get(rawLabels.get(i));
            if (c == null) throw new IOException(manifest + ":" + table.rows().get(i).line() + ": label '" + rawLabels.get(i) + "' is not in the class-name list");
            labels[i] = c;
        }
    }

    static List<String> sortedDistinct(List<String> labels) {
        boolean numeric = labels.stream().allMatch(s -> s.matches("-?\\d{1,9}"));
        TreeSet<String> set = numeric
                ? new TreeSet<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)))
                : new TreeSet<>();
        set.addAll(labels);
        return List.copyOf(set);
    }

    @Override
    public String name() {
        return manifest.toString();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public BufferedImage image(int i) throws IOException {
        return ImageDecoder.readFile(files.get(i));
    }

    @Override
    public String fingerprint() throws IOException {
        return "csv:" + manifest.toAbsolutePath() + ":" + FileListing.listingHash(List.of(manifest)) + ":" + FileListing.listingHash(files) + ":" + classNames;
    }
}
