package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jclip.data.loader.Batch;
import dev.jclip.data.synth.SyntheticShapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * clip-data's {@link SyntheticShapes} as a {@link BatchSource} for trainer tests, without shards or a BPE
 * vocabulary: images become [3, S, S] floats around zero, and each sample is captioned by its class ("a red
 * circle") with one token per word. Each epoch visits the samples in an order drawn from the epoch seed; the
 * position is saved as JSON.
 */
public final class SyntheticBatches implements BatchSource {
    private static final List<String> WORDS = words();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The generator's light-grey background level, subtracted: with the background at +0.8 instead of 0 the tiny ViT
     * of TinyClipTrainingTest did not learn at all in 100 steps (loss stayed at ln 64). */
    private static final float BACKGROUND = 225f;

    private final SyntheticShapes shapes;
    private final int size;
    private final int imageSize;
    private final int contextLength;
    private final int vocabSize;
    private final int batchSize;
    /** Set to a 1-based batch number to make that batch's images NaN (for the divergence test). */
    volatile long poisonBatch = -1;
    private long batchesServed;

    private int epoch;
    private long epochSeed;
    private int offset;
    private int[] order;

    public SyntheticBatches(int size, int imageSize, int contextLength, int vocabSize, int batchSize, long datasetSeed) {
        this.shapes = new SyntheticShapes(imageSize, datasetSeed);
        this.size = size;
        this.imageSize = imageSize;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
        this.batchSize = batchSize;
    }

    private static List<String> words() {
        List<String> w = new ArrayList<>(List.of("a"));
        w.addAll(SyntheticShapes.COLOURS);
        w.addAll(SyntheticShapes.SHAPES);
        return List.copyOf(w);
    }

    public static int classes() {
        return SyntheticShapes.classNames().size();
    }

    public static String caption(int cls) {
        return "a " + SyntheticShapes.classNames().get(cls);
    }

    /** Start token (vocab-2), word ids 1.., end token (vocab-1, the largest id), zero padding. */
    public int[] tokenize(String text) {
        int[] row = new int[contextLength];
        int n = 0;
        row[n++] = vocabSize - 2;
        for (String w : text.split(" ")) {
            int id = WORDS.indexOf(w);
            if (id < 0) throw new IllegalArgumentException("unknown word '" + w + "'");
            row[n++] = id + 1;
        }
        row[n] = vocabSize - 1;
        return row;
    }

    public int classOf(int index) {
        return shapes.sample(index).classIndex();
    }

    /** Images of the given samples as [n, 3, S, S], the background near 0, colours in about [-1.7, 0.3]. */
    public INDArray images(int[] indices) {
        int plane = imageSize * imageSize;
        float[] all = new float[indices.length * 3 * plane];
        for (int i = 0; i < indices.length; i++) {
            byte[] rgb = shapes.sample(indices[i]).image().rgb(); // interleaved RGB, row-major
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) all[(i * 3 + c) * plane + p] = (Byte.toUnsignedInt(rgb[p * 3 + c]) - BACKGROUND) / 128f;
            }
        }
        return Nd4j.create(all, new long[]{indices.length, 3, imageSize, imageSize});
    }

    @Override
    public Shape shape() {
        return new Shape(batchSize, imageSize, contextLength, vocabSize);
    }

    @Override
    public long samplesPerEpoch() {
        return size;
    }

    @Override
    public void startEpoch(int epoch, long seed) {
        this.epoch = epoch;
        this.epochSeed = seed;
        this.offset = 0;
        this.order = permutation(seed);
    }

    @Override
    public Batch next() {
        if (order == null) throw new IllegalStateException("startEpoch or restore first");
        if (offset + batchSize > size) return null;
        int[] idx = new int[batchSize];
        int[][] tokens = new int[batchSize][];
        for (int i = 0; i < batchSize; i++) {
            idx[i] = order[offset + i];
            tokens[i] = tokenize(caption(classOf(idx[i])));
        }
        offset += batchSize;
        INDArray images = images(idx);
        if (++batchesServed == poisonBatch) images.putScalar(0, Float.NaN);
        return Batch.of(images, Nd4j.createFromArray(tokens));
    }

    @Override
    public String state() {
        return JSON.createObjectNode().put("epoch", epoch).put("seed", epochSeed).put("offset", offset).toString();
    }

    @Override
    public void restore(String state) {
        try {
            JsonNode n = JSON.readTree(state);
            startEpoch(n.get("epoch").asInt(), n.get("seed").asLong());
            offset = n.get("offset").asInt();
        } catch (Exception e) {
            throw new IllegalArgumentException("bad data state '" + state + "'", e);
        }
    }

    private int[] permutation(long seed) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < size; i++) idx.add(i);
        Collections.shuffle(idx, new Random(seed));
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }
}
