package dev.jclip.train;

import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Real WebDataset shards for trainer tests: 64 synthetic 32 px shapes in 4 PNG shards of 16
 * ({@code shards/shard-0000{0..3}.tar}), and a 600-token BPE vocabulary trained on their captions.
 */
public record TinyShards(Path shards, Path vocab) {
    private static TinyShards shared;

    /**
     * One set per test JVM, written on first use, for the test classes that only read it (writing it trains a
     * vocabulary, so this also saves time); the folder is removed when the JVM exits.
     */
    public static synchronized TinyShards shared() {
        if (shared != null) return shared;
        try {
            Path dir = Files.createTempDirectory("jclip-tiny-shards");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            shared = write(dir);
            return shared;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary folder left behind at exit is harmless
        }
    }

    private static TinyShards write(Path dir) throws IOException {
        Path shards = dir.resolve("shards");
        SyntheticShapes synth = new SyntheticShapes(32, 5);
        synth.writeShards(shards, "shard", 64, 16, "png");
        return new TinyShards(shards, vocabulary(synth, 64, dir.resolve("vocab.txt")));
    }

    /** Trains a 600-token BPE vocabulary on the captions of {@code synth}'s first samples and writes it to {@code file}. */
    public static Path vocabulary(SyntheticShapes synth, int captions, Path file) throws IOException {
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < captions; i++) bpe.addCaption(synth.sample(i).caption());
        bpe.trainAndWrite(file);
        return file;
    }
}
