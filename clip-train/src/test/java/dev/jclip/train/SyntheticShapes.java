package dev.jclip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test data: coloured shapes on a noisy background with captions such as "a red circle", tokenized by a fixed
 * word list. Sample i of a dataset is a pure function of (dataset seed, i), so any subset can be regenerated;
 * each epoch visits the samples in an order drawn from the epoch seed. Its position is saved as JSON.
 */
public final class SyntheticShapes implements BatchSource {
    public static final String[] COLOURS = {"red", "green", "blue", "yellow", "magenta", "cyan"};
    public static final String[] SHAPES = {"square", "circle", "cross"};
    private static final float[][] RGB = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}};
    private static final List<String> WORDS = List.of("a", "red", "green", "blue", "yellow", "magenta", "cyan",
            "square", "circle", "cross");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int size;
    private final int imageSize;
    private final int contextLength;
    private final int vocabSize;
    private final int batchSize;
    private final long datasetSeed;
    /** Set to a 1-based batch number to make that batch's images NaN (for the divergence test). */
    volatile long poisonBatch = -1;
    private long batchesServed;

    private int epoch;
    private long epochSeed;
    private int offset;
    private int[] order;

    public SyntheticShapes(int size, int imageSize, int contextLength, int vocabSize, int batchSize, long datasetSeed) {
        this.size = size;
        this.imageSize = imageSize;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
        this.batchSize = batchSize;
        this.datasetSeed = datasetSeed;
    }

    public static int classes() {
        return COLOURS.length * SHAPES.length;
    }

    public static String caption(int cls) {
        return "a " + COLOURS[cls / SHAPES.length] + " " + SHAPES[cls % SHAPES.length];
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
        return new Random(datasetSeed * 1_000_003L + index).nextInt(classes());
    }

    /** Image of sample {@code index}, [3, S, S], roughly zero-mean. */
    public float[] image(int index) {
        Random r = new Random(datasetSeed * 1_000_003L + index);
        int cls = r.nextInt(classes());
        float[] rgb = RGB[cls / SHAPES.length];
        int shape = cls % SHAPES.length;
        int s = imageSize;
        float[] img = new float[3 * s * s];
        for (int i = 0; i < img.length; i++) img[i] = (float) (r.nextGaussian() * 0.1 - 0.5);
        int half = s / 6 + r.nextInt(s / 8 + 1);
        int cx = half + r.nextInt(s - 2 * half);
        int cy = half + r.nextInt(s - 2 * half);
        for (int y = cy - half; y < cy + half; y++) {
            for (int x = cx - half; x < cx + half; x++) {
                int dx = x - cx, dy = y - cy;
                boolean inside = switch (shape) {
                    case 0 -> true;
                    case 1 -> dx * dx + dy * dy <= half * half;
                    default -> Math.abs(dx) <= half / 3 || Math.abs(dy) <= half / 3;
                };
                if (!inside) continue;
                for (int c = 0; c < 3; c++) img[(c * s + y) * s + x] = rgb[c] * 1.5f - 0.5f;
            }
        }
        return img;
    }

    /** Images of the given samples as [n, 3, S, S]. */
    public INDArray images(int[] indices) {
        int per = 3 * imageSize * imageSize;
        float[] all = new float[indices.length * per];
        for (int i = 0; i < indices.length; i++) System.arraycopy(image(indices[i]), 0, all, i * per, per);
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
        return new Batch(images, Nd4j.createFromArray(tokens));
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
        java.util.Collections.shuffle(idx, new Random(seed));
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }
}
