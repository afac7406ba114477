package dev.jclip.data.shards;

import java.util.List;
import java.util.Map;

/**
 * One WebDataset sample: the tar members that share a key (the member name up to the first dot of its file
 * name, directory included), by extension (everything after that dot, lower-cased: {@code jpg}, {@code txt},
 * {@code json}, ...). {@code oversized} describes the members left out for being over
 * {@link dev.jclip.core.io.Limits#RECORD_BYTES} (their bytes are skipped, never read): such a sample is to be
 * counted as too large, and the rest of the shard still reads.
 */
public record TarSample(String shard, String key, Map<String, byte[]> members, List<String> oversized) {
    public TarSample(String shard, String key, Map<String, byte[]> members) {
        this(shard, key, members, List.of());
    }
}
