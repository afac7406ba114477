package dev.jclip.data.shards;

import java.util.Map;

/**
 * One WebDataset sample: the tar members that share a key (the member name up to the first dot of its file
 * name, directory included), by extension (everything after that dot, lower-cased: {@code jpg}, {@code txt},
 * {@code json}, ...).
 */
public record TarSample(String shard, String key, Map<String, byte[]> members) {
}
