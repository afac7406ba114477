package dev.jclip.eval.data;

import dev.jclip.data.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * One sub-folder per class ({@code root/CLASS/IMAGE}); classes in sorted folder-name order, images sorted by
 * file name. Class names are the folder names unless a list (in the same sorted order) is given.
 *
 * <p>With a {@link SynsetMap} (ImageNet's layout: folders named by WordNet id, {@code train/n01440764/...}) the
 * labels are the map's indices and the classes all of the map's, so a folder holding only some classes keeps
 * ImageNet's numbering; a folder the map does not know is an error.
 */
public final class ImageFolderDataset implements LabelledImageDataset {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp");

    private final Path root;
    private final List<String> classNames;
    private final List<Path> files = new ArrayList<>();
    private final List<Integer> labels = new ArrayList<>();
    private final SynsetMap synsets;

    /** @param classNames display names in sorted folder order, or null for the folder names */
    public ImageFolderDataset(Path root, List<String> classNames) throws IOException {
        this(root, classNames, null);
    }

    /**
     * @param classNames display names in label order, or null for the folder names (the map's names with one)
     * @param synsets    folder name to label and name, or null for sorted folder order
     */
    public ImageFolderDataset(Path root, List<String> classNames, SynsetMap synsets) throws IOException {
        this.root = root;
        if (!Files.isDirectory(root)) throw new IOException(root + ": not a directory");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) throw new IOException(root + ": no class sub-folders");
        for (int c = 0; c < classDirs.size(); c++) {
            int label = c;
            if (synsets != null) {
                String wnid = classDirs.get(c).getFileName().toString();
                label = synsets.indexOf(wnid);
                if (label < 0) throw new IOException(classDirs.get(c) + ": folder " + wnid + " is not a synset of " + synsets.file());
            }
            List<Path> images;
            try (Stream<Path> s = Files.list(classDirs.get(c))) {
                images = s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().toList();
            }
            for (Path p : images) {
                files.add(p);
                labels.add(label);
            }
        }
        if (files.isEmpty()) throw new IOException(root + ": no images (" + String.join(", ", EXTENSIONS) + ") in its class folders");
        List<String> ownNames = synsets != null ? synsets.names() : classDirs.stream().map(p -> p.getFileName().toString()).toList();
        this.classNames = classNames == null ? ownNames : ClassNames.checkCount(classNames, ownNames.size(), "class-name list",
                synsets != null ? synsets.file().toString() : root.toString());
        this.synsets = synsets;
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    @Override
    public String name() {
        return root.toString();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int label(int i) {
        return labels.get(i);
    }

    @Override
    public BufferedImage image(int i) throws IOException {
        return ImageDecoder.readFile(files.get(i));
    }

    @Override
    public String fingerprint() throws IOException {
        return "folder:" + root.toAbsolutePath() + ":" + FileListing.listingHash(files) + ":" + classNames
                + (synsets == null ? "" : ":synsets=" + FileListing.listingHash(List.of(synsets.file())));
    }
}
