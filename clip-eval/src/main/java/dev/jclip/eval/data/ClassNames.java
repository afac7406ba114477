package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Class-name lists: files with one name per line, and the names of well-known datasets. */
public final class ClassNames {
    /** Fashion-MNIST's labels 0..9. */
    public static final List<String> FASHION_MNIST = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** CIFAR-10's labels 0..9, as its batches.meta.txt names them. */
    public static final List<String> CIFAR10 = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
            "ship", "truck");
    /** MNIST's labels 0..9. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private ClassNames() {
    }

    /** Reads one name per line (trimmed); blank lines and lines starting with '#' are skipped; duplicates are errors. */
    public static List<String> read(Path file) throws IOException {
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String name = lines.get(i).strip();
            if (name.isEmpty() || name.startsWith("#")) continue;
            if (!seen.add(name)) throw new IOException(file + ":" + (i + 1) + ": duplicate class name '" + name + "'");
            names.add(name);
        }
        if (names.isEmpty()) throw new IOException(file + ": no class names");
        return names;
    }

    /** Checks that an override list has exactly {@code expected} names. */
    static List<String> checkCount(List<String> names, int expected, String source, String what) {
        if (names.size() != expected) {
            throw new IllegalArgumentException(source + ": " + names.size() + " class names given but " + what + " has " + expected + " classes");
        }
        return List.copyOf(names);
    }
}
