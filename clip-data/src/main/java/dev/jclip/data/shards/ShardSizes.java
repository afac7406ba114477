package dev.jclip.data.shards;

import dev.jclip.core.io.AtomicFile;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WebDataset's {@code sizes.json}: shard file name to sample count, in the shards' folder. open_clip reads it
 * to know an epoch's length without opening the shards.
 */
public final class ShardSizes {
    /** The file name open_clip looks for. */
    public static final String FILE_NAME = "sizes.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ShardSizes() {
    }

    /** Writes {@code dir/sizes.json} via a temporary file and rename. */
    public static void write(Path dir, Map<String, Integer> sizes) throws IOException {
        AtomicFile.write(dir.resolve(FILE_NAME), tmp -> JSON.writeValue(tmp.toFile(), new LinkedHashMap<>(sizes)));
    }

    /** Reads {@code dir/sizes.json}; throws naming the file when it is missing or malformed. */
    public static Map<String, Integer> read(Path dir) throws IOException {
        Path f = dir.resolve(FILE_NAME);
        try {
            return JSON.readValue(f.toFile(), new TypeReference<LinkedHashMap<String, Integer>>() { });
        } catch (IOException e) {
            throw new IOException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * Total samples of the given shards according to the {@code sizes.json} beside each of them; null when any
     * shard has no entry (or no readable sizes.json), so the caller knows the count is unknown.
     */
    public static Long total(List<String> shards) {
        Map<Path, Map<String, Integer>> cache = new LinkedHashMap<>();
        long sum = 0;
        for (String s : shards) {
            Path p = Path.of(s).toAbsolutePath();
            Map<String, Integer> sizes = cache.computeIfAbsent(p.getParent(), d -> {
                try {
                    return read(d);
                } catch (IOException e) {
                    return Map.of();
                }
            });
            Integer n = sizes.get(p.getFileName().toString());
            if (n == null) return null;
            sum += n;
        }
        return sum;
    }
}
