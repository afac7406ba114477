package dev.jclip.eval.features;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.core.io.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feature matrices on disk, one {@code .npy} per key. The key names everything the features depend on (model
 * checkpoint and its modification time, dataset fingerprint, preprocessing); the file name is the key's SHA-256
 * and a {@code .key} file beside it holds the key text, checked on every read.
 */
public final class FeatureCache {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);

    /** Computes features on a cache miss. */
    @FunctionalInterface
    public interface Compute {
        float[][] get() throws IOException;
    }

    private final Path dir;

    public FeatureCache(Path dir) {
        this.dir = dir;
    }

    /** The cached features for {@code key}, computing and storing them first when absent. */
    public float[][] getOrCompute(String key, Compute compute) throws IOException {
        String hash = sha256(key);
        Path npy = dir.resolve(hash + ".npy");
        Path keyFile = dir.resolve(hash + ".key");
        if (Files.isRegularFile(npy) && Files.isRegularFile(keyFile)) {
            String stored = Files.readString(keyFile, StandardCharsets.UTF_8);
            if (stored.equals(key)) {
                LOG.debug("features from cache {}", npy);
                return Npy.read(npy).toFloatMatrix();
            }
            LOG.warn("cache file {} holds a different key; recomputing", npy);
        }
        float[][] features = compute.get();
        Files.createDirectories(dir);
        Npy.write(Nd4j.createFromArray(features), npy);
        AtomicFile.writeString(keyFile, key);
        LOG.debug("cached {} feature vectors in {}", features.length, npy);
        return features;
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
