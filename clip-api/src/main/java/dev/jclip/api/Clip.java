package dev.jclip.api;

import dev.jclip.core.nn.MatMul;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.text.ClipTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A CLIP model ready to use, with its tokenizer and its image preprocessing: what open_clip's
 * {@code create_model_and_transforms} and {@code get_tokenizer} give together.
 *
 * <pre>{@code
 * try (Clip clip = Clip.load("ViT-B-32", "openai")) {                     // downloaded once, SHA-256 checked
 *     INDArray image = clip.encodeImage(Path.of("cat.jpg"));
 *     INDArray text = clip.encodeText("a diagram", "a dog", "a cat");
 *     INDArray cosine = Clip.similarity(image, text);                      // [1, 3]
 * }
 * }</pre>
 *
 * The model is loaded for inference: it holds its weights once and no gradient or optimiser state. Features are
 * returned as the towers compute them (not normalised), as open_clip's {@code encode_image} does.
 */
public final class Clip implements AutoCloseable {
    /** Images and texts are encoded in batches of at most this many, to bound the memory of long lists. */
    static final int BATCH = 32;

    private final ClipModel model;
    private final ClipTokenizer tokenizer;
    private final ClipImageTransform transform;
    private final String source;

    Clip(ClipModel model, ClipTokenizer tokenizer, PreprocessConfig preprocessing, String source) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.transform = new ClipImageTransform(preprocessing);
        this.source = source;
    }

    /**
     * Pretrained weights by open_clip's model name and tag ({@code "ViT-B-32", "openai"}), downloaded into the
     * cache on first use. Settings from the environment ({@link ClipOptions#fromEnvironment()}).
     */
    public static Clip load(String name, String tag) throws IOException {
        return load(name, tag, ClipOptions.fromEnvironment());
    }

    /** Pretrained weights by name and tag with explicit cache, offline, mirror and registry settings. */
    public static Clip load(String name, String tag, ClipOptions options) throws IOException {
        PretrainedModel entry = options.registry().get(name, tag);
        Path file = new WeightsCache(options).fetch(entry);
        return fromCheckpoint(file, entry.config(), entry.id());
    }

    /**
     * A checkpoint in any supported format (safetensors, PyTorch, OpenAI's TorchScript, Hugging Face), or a run
     * folder written by the {@code Trainer} (its {@code model.safetensors}, else its newest checkpoint).
     */
    public static Clip load(Path checkpointOrRun) throws IOException {
        Path file = RunFolder.checkpointOf(checkpointOrRun);
        return fromCheckpoint(file, null, file.toString());
    }

    private static Clip fromCheckpoint(Path file, ClipConfig config, String source) throws IOException {
        ClipModel model = ClipModels.load(file, config);
        // images are seen as the model was trained to see them: the preprocessing its checkpoint records
        PreprocessConfig preprocessing = ModelEncoder.preprocessing(file, model.config().vision().imageSize(), null);
        return new Clip(model, Vocabularies.forCheckpoint(file, model.config().text().vocabSize()), preprocessing, source);
    }

    public ClipModel model() {
        return model;
    }

    public ClipConfig config() {
        return model.config();
    }

    /** The tokenizer that goes with the weights; null when none travels with them (see {@link #encodeText}). */
    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** The evaluation preprocessing: resize the shorter side, centre crop, normalise with CLIP's mean and std. */
    public ClipImageTransform imageTransform() {
        return transform;
    }

    /** Image features [N, E] of image files (JPEG, PNG, BMP, GIF), in order. */
    public INDArray encodeImage(Path... files) throws IOException {
        byte[][] encoded = new byte[files.length][];
        String[] names = new String[files.length];
        for (int i = 0; i < files.length; i++) {
            encoded[i] = Files.readAllBytes(files[i]);
            names[i] = files[i].toString();
        }
        return encodeImages(encoded, names);
    }

    /** Image features [N, E] of decoded images, in order. */
    public INDArray encodeImage(BufferedImage... images) {
        byte[][] encoded = new byte[images.length][];
        String[] names = new String[images.length];
        for (int i = 0; i < images.length; i++) {
            encoded[i] = png(images[i]);
            names[i] = "image " + i;
        }
        return encodeImages(encoded, names);
    }

    /** Image features [B, E] of images already preprocessed to [B, 3, S, S]. */
    public INDArray encodeImage(INDArray preprocessed) {
        int s = transform.size();
        if (preprocessed.rank() != 4 || preprocessed.size(1) != 3 || preprocessed.size(2) != s || preprocessed.size(3) != s) {
            throw new IllegalArgumentException("expected preprocessed images [B, 3, " + s + ", " + s + "], got "
                    + Arrays.toString(preprocessed.shape()));
        }
        return model.encodeImage(preprocessed.castTo(DataType.FLOAT));
    }

    /** The preprocessed input [N, 3, S, S] of image files, as {@link #encodeImage(INDArray)} takes it. */
    public INDArray preprocess(Path... files) throws IOException {
        float[] pixels = new float[files.length * transform.floatsPerImage()];
        for (int i = 0; i < files.length; i++) preprocessInto(Files.readAllBytes(files[i]), files[i].toString(), pixels, i);
        return Nd4j.create(pixels, new long[]{files.length, 3, transform.size(), transform.size()}, DataType.FLOAT);
    }

    private INDArray encodeImages(byte[][] encoded, String[] names) {
        int n = encoded.length;
        INDArray out = Nd4j.create(DataType.FLOAT, n, model.config().embedDim());
        for (int start = 0; start < n; start += BATCH) {
            int count = Math.min(BATCH, n - start);
            float[] pixels = new float[count * transform.floatsPerImage()];
            for (int i = 0; i < count; i++) preprocessInto(encoded[start + i], names[start + i], pixels, i);
            INDArray batch = Nd4j.create(pixels, new long[]{count, 3, transform.size(), transform.size()}, DataType.FLOAT);
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + count)).assign(model.encodeImage(batch));
        }
        return out;
    }

    /**
     * The one place where an encoded image becomes model input: clip-data's decoder (PIL's RGB conversion) and its
     * evaluation transform, written at image {@code index} of {@code pixels}.
     */
    private void preprocessInto(byte[] encoded, String name, float[] pixels, int index) {
        try {
            transform.evalInto(transform.decode(encoded), pixels, index * transform.floatsPerImage());
        } catch (ImageDecodeException e) {
            throw new IllegalArgumentException(name + ": cannot decode the image: " + e.getMessage(), e);
        }
    }

    private static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) throw new IllegalArgumentException("cannot encode image type " + image.getType());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Text features [N, E], in order; texts longer than the context are truncated (the end token kept). */
    public INDArray encodeText(String... texts) {
        if (model.captionHead() != null) {
            throw new IllegalStateException(source + " was trained with objective " + model.config().objective() + ": it predicts"
                    + " captions and has no text embedding, so text features and cosine similarities do not exist for it"
                    + " (clip eval zeroshot scores its prompts by likelihood instead)");
        }
        INDArray out = Nd4j.create(DataType.FLOAT, texts.length, model.config().embedDim());
        for (int start = 0; start < texts.length; start += BATCH) {
            int end = Math.min(texts.length, start + BATCH);
            INDArray tokens = tokenize(Arrays.copyOfRange(texts, start, end));
            out.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end)).assign(model.encodeText(tokens));
        }
        return out;
    }

    /** Token ids [N, context length] as the text tower takes them ({@code clip.tokenize}). */
    public INDArray tokenize(String... texts) {
        if (tokenizer == null) {
            throw new IllegalStateException(source + ": no vocabulary travels with these weights (their text tower embeds "
                    + model.config().text().vocabSize() + " tokens, OpenAI's has 49,408): put the vocabulary used in "
                    + "training beside the checkpoint as " + Vocabularies.RUN_VOCAB + ", or encode token ids with model().encodeText");
        }
        return tokenizer.tokenizeToArray(List.of(texts), model.config().text().contextLength(), true, DataType.INT);
    }

    /** Cosine similarities [I, T] between every image feature and every text feature (rows are normalised here). */
    public static INDArray similarity(INDArray imageFeatures, INDArray textFeatures) {
        return MatMul.gemm(normalized(imageFeatures), normalized(textFeatures), false, true);
    }

    static INDArray normalized(INDArray features) {
        INDArray norms = features.norm2(1).reshape(features.rows(), 1);
        return features.divColumnVector(norms);
    }

    /**
     * A zero-shot classifier: each class is the mean of its normalised prompt embeddings, one prompt per template
     * ({@code "a photo of a {}."} with the class name in place of {@code {}}).
     */
    public ZeroShot zeroShot(List<String> classNames, List<String> templates) {
        return ZeroShot.build(this, classNames, templates);
    }

    /**
     * A zero-shot classifier with the CLIP paper's class names and templates for one dataset, e.g.
     * {@code clip.zeroShot(ZeroShotSuite.named("cifar10"))}; classes with several names average all of them.
     */
    public ZeroShot zeroShot(dev.jclip.eval.zeroshot.ZeroShotSuite suite) {
        return ZeroShot.buildWithSynonyms(this, suite.classSynonyms(), suite.templates());
    }

    /** The model's temperature, {@code exp(logit_scale)}: 100 for OpenAI's releases. */
    public double logitScale() {
        return Math.exp(model.logitScale().value().getDouble(0));
    }

    @Override
    public void close() {
        model.close();
    }
}
