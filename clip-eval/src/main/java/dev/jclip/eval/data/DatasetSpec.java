package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Opens a labelled dataset from a spec string:
 * <ul>
 *   <li>{@code cifar10:PATH}, {@code cifar100:PATH}: CIFAR binary batches ({@link CifarDataset}), PATH a batch file
 *       or the archive's folder with {@code :train} or {@code :test}, e.g. {@code cifar10:cifar-10-batches-bin:test};</li>
 *   <li>{@code idx:PREFIX}: IDX files {@code PREFIX-images-idx3-ubyte[.gz]} and {@code PREFIX-labels-idx1-ubyte[.gz]},
 *       e.g. {@code idx:/usr/share/datasets/fashion-mnist/t10k};</li>
 *   <li>a path to a {@code *-images-idx3-ubyte[.gz]} file (its labels file is found beside it);</li>
 *   <li>a {@code .csv} or {@code .tsv} manifest ({@link CsvImageDataset});</li>
 *   <li>a directory holding exactly one {@code *-images-idx3-ubyte[.gz]} file: that IDX set;</li>
 *   <li>any other directory: an image folder ({@link ImageFolderDataset}), with an ImageNet synset map when given.</li>
 * </ul>
 */
public final class DatasetSpec {
    private static final String IMAGES_SUFFIX = "-images-idx3-ubyte";
    private static final String LABELS_SUFFIX = "-labels-idx1-ubyte";

    private DatasetSpec() {
    }

    /**
     * @param spec       the spec string
     * @param classNames override class names (one per class, in label order), or null for the dataset's own
     */
    public static LabelledImageDataset open(String spec, List<String> classNames) throws IOException {
        return open(spec, classNames, null);
    }

    /**
     * @param spec       the spec string
     * @param classNames override class names (one per class, in label order), or null for the dataset's own
     * @param synsets    for an image folder named by WordNet ids: ImageNet's label order and names; else null
     */
    public static LabelledImageDataset open(String spec, List<String> classNames, SynsetMap synsets) throws IOException {
        if (synsets != null) {
            Path folder = Path.of(spec);
            if (!Files.isDirectory(folder)) throw new IOException(spec + ": a synset map applies to an image folder (one sub-folder per WordNet id)");
            return ImageFolderDataset.read(folder, classNames, synsets);
        }
        if (spec.startsWith("cifar10:")) return openCifar(CifarDataset.Variant.CIFAR10, spec.substring(8), classNames);
        if (spec.startsWith("cifar100:")) return openCifar(CifarDataset.Variant.CIFAR100, spec.substring(9), classNames);
        if (spec.startsWith("idx:")) return openIdxPrefix(spec.substring(4), classNames);
        Path p = Path.of(spec);
        String lower = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(IMAGES_SUFFIX) || lower.endsWith(IMAGES_SUFFIX + ".gz")) {
            String s = p.toString();
            return openIdxPrefix(s.substring(0, s.lastIndexOf(IMAGES_SUFFIX)), classNames);
        }
        if (lower.endsWith(".csv") || lower.endsWith(".tsv")) {
            if (!Files.isRegularFile(p)) throw new IOException(spec + ": manifest does not exist");
            return CsvImageDataset.read(p, classNames);
        }
        if (Files.isDirectory(p)) {
            List<Path> idx;
            try (Stream<Path> s = Files.list(p)) {
                idx = s.filter(f -> {
                    String n = f.getFileName().toString();
                    return n.endsWith(IMAGES_SUFFIX) || n.endsWith(IMAGES_SUFFIX + ".gz");
                }).sorted().toList();
            }
            if (idx.size() == 1) {
                String s = idx.get(0).toString();
                return openIdxPrefix(s.substring(0, s.lastIndexOf(IMAGES_SUFFIX)), classNames);
            }
            if (idx.size() > 1) {
                throw new IOException(spec + ": holds several IDX image files (" + idx.stream().map(f -> f.getFileName().toString()).toList()
                        + "); pick one with idx:" + p + "/PREFIX, e.g. idx:" + p + "/t10k");
            }
            return ImageFolderDataset.read(p, classNames);
        }
        throw new IOException(spec + ": no such file or directory (expected an image folder, a .csv/.tsv manifest or idx:PREFIX)");
    }

    private static LabelledImageDataset openCifar(CifarDataset.Variant v, String path, List<String> classNames) throws IOException {
        for (String split : List.of("train", "test")) {
            if (path.endsWith(":" + split)) {
                Path folder = Path.of(path.substring(0, path.length() - split.length() - 1));
                if (!Files.isDirectory(folder)) throw new IOException(folder + ": no such folder (expected the " + v.spec() + " archive's batch folder)");
                return new CifarDataset(v, v.split(folder, split), classNames);
            }
        }
        Path p = Path.of(path);
        if (Files.isDirectory(p)) {
            String prefix = v.spec() + ":";
            throw new IOException(path + " is a folder: name the split, " + prefix + path + ":train or " + prefix + path + ":test, or one batch file");
        }
        return new CifarDataset(v, List.of(p), classNames);
    }

    private static LabelledImageDataset openIdxPrefix(String prefix, List<String> classNames) throws IOException {
        Path images = existing(prefix + IMAGES_SUFFIX);
        Path labels = existing(prefix + LABELS_SUFFIX);
        return new IdxDataset(images, labels, classNames);
    }

    private static Path existing(String base) throws IOException {
        for (String candidate : new String[] {base, base + ".gz"}) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p)) return p;
        }
        throw new IOException("IDX file " + base + "[.gz] does not exist");
    }
}
