package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.file.Path;
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
public final class CsvImageDataset {
    private CsvImageDataset() {
    }

    /** @param classNames the class names in label order, or null for the sorted distinct labels */
    public static LabelledImageDataset read(Path manifest, List<String> classNames) throws IOException {
        List<ManifestRow> rows = ManifestRow.read(manifest, "label", "label", "class");
        List<String> classes = classNames != null ? List.copyOf(classNames)
                : sortedDistinct(rows.stream().map(ManifestRow::text).toList());
        Map<String, Integer> index = new HashMap<>();
        for (int c = 0; c < classes.size(); c++) index.put(classes.get(c), c);
        int[] labels = new int[rows.size()];
        for (int i = 0; i < labels.length; i++) {
            ManifestRow r = rows.get(i);
            Integer c = index.get(r.text());
            if (c == null) throw new IOException(manifest + ":" + r.line() + ": label '" + r.text() + "' is not in the class-name list");
            labels[i] = c;
        }
        List<Path> files = rows.stream().map(ManifestRow::image).toList();
        return new LabelledImageFiles("csv", manifest, List.of(manifest), files, labels, classes);
    }

    static List<String> sortedDistinct(List<String> labels) {
        boolean numeric = labels.stream().allMatch(s -> s.matches("-?\\d{1,9}"));
        TreeSet<String> set = numeric
                ? new TreeSet<>((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)))
                : new TreeSet<>();
        set.addAll(labels);
        return List.copyOf(set);
    }
}
