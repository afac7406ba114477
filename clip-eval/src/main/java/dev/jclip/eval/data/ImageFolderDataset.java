package dev.jclip.eval.data;

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
 */
public final class ImageFolderDataset {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp");

    private ImageFolderDataset() {
    }

    /** @param classNames display names in sorted folder order, or null for the folder names */
    public static LabelledImageDataset read(Path root, List<String> classNames) throws IOException {
        if (!Files.isDirectory(root)) throw new IOException(root + ": not a directory");
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) throw new IOException(root + ": no class sub-folders");
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            List<Path> images;
            try (Stream<Path> s = Files.list(classDirs.get(c))) {
                images = s.filter(p -> Files.isRegularFile(p) && isImage(p)).sorted().toList();
            }
            for (Path p : images) {
                files.add(p);
                labels.add(c);
            }
        }
        if (files.isEmpty()) throw new IOException(root + ": no images (" + String.join(", ", EXTENSIONS) + ") in its class folders");
        List<String> folderNames = classDirs.stream().map(p -> p.getFileName().toString()).toList();
        List<String> classes = classNames == null ? folderNames
                : ClassNames.checkCount(classNames, folderNames.size(), "class-name list", root.toString());
        return new LabelledImageFiles("folder", root, List.of(), files, labels.stream().mapToInt(Integer::intValue).toArray(), classes);
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }
}
