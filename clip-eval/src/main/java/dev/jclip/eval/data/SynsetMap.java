package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ImageNet's map from WordNet ids to class indices and names, as in the Kaggle ILSVRC release's
 * {@code LOC_synset_mapping.txt}: one class per line, in index order, {@code WNID description}, e.g.
 * {@code n01440764 tench, Tinca tinca}. A line may also hold the id alone (a {@code wnids.txt} list) or separate
 * it by a tab. The class name is the description's first comma-separated term ("tench"), or the id without one.
 */
public final class SynsetMap {
    private static final Pattern WNID = Pattern.compile("n\\d{8}");

    private final Path file;
    private final List<String> wnids;
    private final List<String> names;
    private final Map<String, Integer> index;

    private SynsetMap(Path file, List<String> wnids, List<String> names) {
        this.file = file;
        this.wnids = List.copyOf(wnids);
        this.names = List.copyOf(names);
        this.index = new HashMap<>();
        for (int i = 0; i < wnids.size(); i++) index.put(wnids.get(i), i);
    }

    /** Reads the map; a malformed or repeated id is an error naming the file and line. Blank lines are skipped. */
    public static SynsetMap read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> wnids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String[] parts = line.split("\\s+", 2);
            String id = parts[0];
            if (!WNID.matcher(id).matches()) {
                throw new IOException(file + ":" + (i + 1) + ": expected a WordNet id like n01440764 at the start of the line, got '" + id + "'");
            }
            Integer before = seen.putIfAbsent(id, i + 1);
            if (before != null) throw new IOException(file + ":" + (i + 1) + ": " + id + " repeats line " + before);
            String name = parts.length > 1 ? parts[1].split(",", 2)[0].strip() : "";
            wnids.add(id);
            names.add(name.isEmpty() ? id : name);
        }
        if (wnids.isEmpty()) throw new IOException(file + ": no synsets");
        return new SynsetMap(file, wnids, names);
    }

    public Path file() {
        return file;
    }

    /** The ids in index order. */
    public List<String> wnids() {
        return wnids;
    }

    /** One name per class, in index order. */
    public List<String> names() {
        return names;
    }

    /** The class index of {@code wnid}, or -1 when the map does not hold it. */
    public int indexOf(String wnid) {
        return index.getOrDefault(wnid, -1);
    }

    public int size() {
        return wnids.size();
    }
}
