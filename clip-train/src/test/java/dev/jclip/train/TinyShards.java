package dev.jclip.train;

import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Real WebDataset shards for trainer tests: 64 synthetic 32 px shapes in 4 PNG shards of 16
 * ({@code shards/shard-0000{0..3}.tar}), and a 600-token BPE vocabulary trained on their captions.
 */
public record TinyShards(Path shards, Path vocab) {
    public static TinyShards write(Path dir) throws IOException {
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
