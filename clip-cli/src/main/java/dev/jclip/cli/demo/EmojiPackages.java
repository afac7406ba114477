package dev.jclip.cli.demo;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.cli.UsageException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The demo's images: the npm packages {@code emoji-datasource-<set>} (64x64 PNGs under {@code img/<set>/64/}
 * and {@code emoji.json}). {@link #obtain} fetches a package with {@code npm pack} into the cache folder and
 * unpacks the parts the demo needs with Commons Compress; {@link #find} locates an already unpacked copy.
 */
public final class EmojiPackages {
    private static final Logger LOG = LoggerFactory.getLogger("dev.jclip.demo");
    public static final String VERSION = "16.0.0";
    /** The drawing style trained on. */
    public static final String TRAIN_SET = "google";
    /** The drawing style held out for evaluation. */
    public static final String HELD_OUT_SET = "twitter";
    /**
     * A second training style ({@code --train-styles google,emojione}): EmojiOne 2.2.7, the npm package
     * {@code emojione}, whose 64x64 PNGs ({@code assets/png/}, artwork CC-BY-4.0) are named by code points like
     * emoji-datasource's, without the variation selector {@code fe0f}.
     */
    public static final String EMOJIONE = "emojione";
    public static final String EMOJIONE_VERSION = "2.2.7";
    private static final String EMOJIONE_IMAGES = "package/assets/png/";

    /**
     * The images of one training style, looked up by the emoji-datasource image name they draw.
     *
     * @param set      the style's name ({@code google}, {@code emojione})
     * @param imageDir its folder of 64x64 PNGs named by code points
     */
    public record TrainStyle(String set, Path imageDir) {
        /** The style's drawing of {@code e}: its image name, else that name without {@code -fe0f}; or null when it has none. */
        public Path image(Emoji e) {
            for (String name : List.of(e.image(), e.image().replace("-fe0f", ""))) {
                Path p = imageDir.resolve(name);
                if (Files.isRegularFile(p)) return p;
            }
            return null;
        }
    }

    /** An unpacked {@code package/} folder of one set. */
    public record EmojiPackage(String set, Path root) {
        public Path emojiJson() {
            return root.resolve("emoji.json");
        }

        public Path imageDir() {
            return root.resolve("img").resolve(set).resolve("64");
        }

        /** The set's emoji with an image. */
        public List<Emoji> emoji() throws IOException {
            return EmojiCatalog.read(emojiJson(), set, imageDir());
        }
    }

    private EmojiPackages() {
    }

    /**
     * A training style: an emoji-datasource set's images, or {@link #EMOJIONE}'s, from {@code data} when given,
     * else fetched into (or found in) {@code cache}.
     */
    public static TrainStyle trainStyle(String set, Path data, Path cache) throws IOException, InterruptedException {
        if (!set.equals(EMOJIONE)) {
            EmojiPackage p = data != null ? find(data, set) : obtain(cache, set);
            return new TrainStyle(set, p.imageDir());
        }
        String versioned = EMOJIONE + "-" + EMOJIONE_VERSION;
        if (data != null) {
            List<Path> tried = new ArrayList<>();
            for (Path candidate : List.of(data.resolve(versioned), data.resolve(EMOJIONE), data)) {
                Path images = candidate.resolve(EMOJIONE_IMAGES);
                tried.add(images);
                if (Files.isDirectory(images)) return new TrainStyle(set, images);
            }
            throw new UsageException("no unpacked " + EMOJIONE + " " + EMOJIONE_VERSION + " under " + data + ": expected "
                    + EMOJIONE_IMAGES + " in one of " + tried);
        }
        Path unpacked = cache.resolve(versioned);
        Path images = unpacked.resolve(EMOJIONE_IMAGES);
        if (Files.isDirectory(images)) {
            LOG.info("{} {}: using the copy in {}", EMOJIONE, EMOJIONE_VERSION, unpacked);
            return new TrainStyle(set, images);
        }
        Path tarball = cache.resolve("npm").resolve(versioned + ".tgz");
        if (!Files.isRegularFile(tarball)) npmPack(tarball.getParent(), EMOJIONE + "@" + EMOJIONE_VERSION, tarball);
        LOG.info("unpacking {} into {}", tarball.getFileName(), unpacked);
        unpack(tarball, EMOJIONE_IMAGES, "package/LICENSE.md", unpacked);
        return new TrainStyle(set, images);
    }

    public static String packageName(String set) {
        return "emoji-datasource-" + set;
    }

    /**
     * Finds the unpacked package of {@code set} in {@code dir}, trying {@code emoji-datasource-<set>-16.0.0/package},
     * {@code emoji-datasource-<set>/package} and {@code package} (both tarballs unpacked into one folder).
     */
    public static EmojiPackage find(Path dir, String set) {
        List<Path> tried = new ArrayList<>();
        for (Path candidate : List.of(dir.resolve(packageName(set) + "-" + VERSION).resolve("package"),
                dir.resolve(packageName(set)).resolve("package"), dir.resolve("package"))) {
            tried.add(candidate);
            EmojiPackage p = new EmojiPackage(set, candidate);
            if (Files.isRegularFile(p.emojiJson()) && Files.isDirectory(p.imageDir())) return p;
        }
        throw new UsageException("no unpacked " + packageName(set) + " under " + dir + ": expected emoji.json and img/"
                + set + "/64/ in one of " + tried);
    }

    /**
     * The package of {@code set} in the cache folder, fetched with {@code npm pack} and unpacked when missing.
     */
    public static EmojiPackage obtain(Path cache, String set) throws IOException, InterruptedException {
        Path unpacked = cache.resolve(packageName(set) + "-" + VERSION);
        EmojiPackage p = new EmojiPackage(set, unpacked.resolve("package"));
        if (Files.isRegularFile(p.emojiJson()) && Files.isDirectory(p.imageDir())) {
            LOG.info("{} {}: using the copy in {}", packageName(set), VERSION, unpacked);
            return p;
        }
        Path tarball = cache.resolve("npm").resolve(packageName(set) + "-" + VERSION + ".tgz");
        if (!Files.isRegularFile(tarball)) npmPack(tarball.getParent(), packageName(set) + "@" + VERSION, tarball);
        LOG.info("unpacking {} into {}", tarball.getFileName(), unpacked);
        unpack(tarball, set, unpacked);
        return p;
    }

    /** Runs {@code npm pack SPEC} in {@code dir}; the registry's tarball lands there as {@code expected}. */
    static void npmPack(Path dir, String spec, Path expected) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        LOG.info("fetching {} with 'npm pack' into {} (60-100 MB) ...", spec, dir);
        Path log = dir.resolve("npm-pack.log");
        Process proc;
        try {
            proc = new ProcessBuilder(npmCommand(), "pack", spec).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UsageException("cannot run npm (" + e.getMessage() + "). The demo fetches its images with"
                    + " 'npm pack " + spec + "': install Node.js/npm, or unpack " + spec.replace("@", "-")
                    + ".tgz yourself and pass --data DIR (see docs/DEMO.md for the layout)");
        }
        if (!proc.waitFor(15, TimeUnit.MINUTES)) {
            proc.destroyForcibly();
            throw new IOException("'npm pack " + spec + "' did not finish in 15 minutes (log: " + log + ")");
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (proc.exitValue() != 0 || !Files.isRegularFile(expected)) {
            throw new UsageException("'npm pack " + spec + "' failed (exit " + proc.exitValue() + "; no registry access?)"
                    + " in " + dir + ":\n" + tail(output, 1500) + "\nAlternatively unpack the packages yourself and pass"
                    + " --data DIR (see docs/DEMO.md)");
        }
    }

    /** System property naming the npm executable (default {@code npm}). */
    public static final String NPM_PROPERTY = "jclip.npm";

    private static String npmCommand() {
        String explicit = System.getProperty(NPM_PROPERTY);
        if (explicit != null) return explicit;
        return System.getProperty("os.name", "").toLowerCase().startsWith("windows") ? "npm.cmd" : "npm";
    }

    /**
     * Extracts {@code package/emoji.json}, the licence and README, and {@code package/img/<set>/64/*.png} (the
     * sprite sheets are not needed) into {@code target}, via a temporary folder renamed when complete.
     */
    static void unpack(Path tarball, String set, Path target) throws IOException {
        unpack(tarball, "package/img/" + set + "/64/", "package/emoji.json", target);
    }

    /**
     * Extracts the PNGs directly under {@code images} (a folder of the tarball) and the package's metadata, licence
     * and README into {@code target}, via a temporary folder renamed when complete; {@code marker}, a file the
     * package must hold, also tells whether another run has unpacked it meanwhile.
     */
    static void unpack(Path tarball, String images, String marker, Path target) throws IOException {
        // a folder of this process's own: two demos started at once on one cache must not write into the same one
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = Files.createTempDirectory(target.toAbsolutePath().getParent(), target.getFileName() + ".tmp-");
        try {
            int files = extract(tarball, images, marker, tmp);
            if (Files.isRegularFile(target.resolve(marker))) {
                LOG.info("{} was unpacked meanwhile by another run: using it", target);
                return;
            }
            deleteTree(target);
            AtomicFile.commit(tmp, target);
            LOG.info("unpacked {} files", files);
        } finally {
            deleteTree(tmp);
        }
    }

    private static int extract(Path tarball, String images, String marker, Path tmp) throws IOException {
        int files = 0;
        try (InputStream in = new TarArchiveInputStream(new GzipCompressorInputStream(
                new BufferedInputStream(Files.newInputStream(tarball), 1 << 16)))) {
            TarArchiveInputStream tar = (TarArchiveInputStream) in;
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName();
                if (!e.isFile() || name.contains("..")) continue;
                boolean wanted = name.equals(marker) || name.equals("package/emoji.json") || name.equals("package/LICENSE")
                        || name.equals("package/LICENSE.md") || name.equals("package/README.md") || name.equals("package/package.json")
                        || (name.startsWith(images) && name.endsWith(".png") && name.indexOf('/', images.length()) < 0);
                if (!wanted) continue;
                Path out = tmp.resolve(name);
                Files.createDirectories(out.getParent());
                Files.copy(tar, out);
                files++;
            }
        } catch (IOException e) {
            throw new IOException("cannot unpack " + tarball + ": " + e.getMessage() + " (delete it to fetch it again)", e);
        }
        if (!Files.isRegularFile(tmp.resolve(marker)) || !Files.isDirectory(tmp.resolve(images))) {
            throw new IOException(tarball + " has no " + marker + " or " + images + " (not the expected package's tarball?)");
        }
        return files;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s.strip() : "..." + s.substring(s.length() - max).strip();
    }
}
