package dev.jclip.eval.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Fingerprints of lists of files, for feature-cache keys. */
final class FileListing {
    private FileListing() {
    }

    /** SHA-256 over every file's path, size and modification time: changes when any file does. */
    static String listingHash(List<Path> files) throws IOException {
        MessageDigest md = sha256();
        for (Path p : files) {
            md.update((p.toAbsolutePath() + "\t" + Files.size(p) + "\t" + Files.getLastModifiedTime(p).toMillis() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
