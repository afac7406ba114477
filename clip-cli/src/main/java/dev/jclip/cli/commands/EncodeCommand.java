package dev.jclip.cli.commands;

import dev.jclip.core.nn.MatMul;
import dev.jclip.core.io.AtomicFile;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Command;
import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.UsageException;
import dev.jclip.core.io.Npy;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageDecodeException;
import dev.jclip.data.image.ImageDecoder;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.ModelEncoder;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code clip encode}: the classic CLIP example. Embeds images and texts, prints their cosine similarities and,
 * per image, the softmax over the texts of the similarities scaled by the model's temperature.
 */
@Command(name = "encode", description = "cosine similarities and probabilities of images against texts (the classic CLIP example)")
public final class EncodeCommand extends ClipCommand {
    @Mixin
    ModelOptions model;

    @Mixin
    CheckpointVocabOption vocab;

    @Option(names = "--image", required = true, paramLabel = "FILE", description = "an image file (repeat for more)") List<String> images;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "a caption (repeat for more)") List<String> texts;

    @Option(names = "--output", paramLabel = "F.npz", description = "also write the features as numpy's .npz") Path output;

    @Mixin
    ImageOptions imageOptions;

    @Override
    protected int run() throws Exception {
        Path checkpoint = this.model.checkpoint();
        ClipModel model = this.model.load();
        ClipTokenizer tokenizer = vocab.tokenizer(checkpoint, model.config().text().vocabSize());

        int size = model.config().vision().imageSize();
        // images are seen as in training: the checkpoint's preprocessing, unless --alpha-background overrides it
        ClipImageTransform transform = new ClipImageTransform(ModelEncoder.preprocessing(checkpoint, size, imageOptions.alphaBackground()));
        List<BufferedImage> decoded = new ArrayList<>();
        for (String image : images) {
            Path file = Path.of(image);
            if (!Files.isRegularFile(file)) throw new UsageException("image not found: " + file);
            try {
                decoded.add(ImageDecoder.readFile(file));
            } catch (IOException e) {
                throw new UsageException(e.getMessage());
            }
        }
        INDArray imageBatch;
        try {
            imageBatch = transform.evalBatch(decoded);
        } catch (ImageDecodeException e) {
            throw new UsageException("cannot convert an image to RGB: " + e.getMessage());
        }
        INDArray tokens = tokenizer.tokenizeToArray(texts, model.config().text().contextLength(), true, DataType.INT);
        INDArray fi = model.encodeImage(imageBatch);
        INDArray ft = model.encodeText(tokens);
        INDArray cosine = MatMul.gemm(ContrastiveLoss.normalise(fi, null), ContrastiveLoss.normalise(ft, null), false, true);
        double scale = Math.exp(model.logitScale().value().getDouble(0));
        INDArray probs = cosine.mul(scale);
        probs.subiColumnVector(probs.max(1).reshape(probs.rows(), 1));
        Transforms.exp(probs, false);
        probs.diviColumnVector(probs.sum(1).reshape(probs.rows(), 1));

        System.out.println(table("cosine similarity", images, texts, cosine, "%8.4f"));
        System.out.println(table("probability (softmax over texts, logit scale " + String.format("%.1f", scale) + ")",
                images, texts, probs, "%8.4f"));
        if (output != null) {
            writeNpz(output, fi, ft);
            System.out.println("features written to " + output);
        }
        return 0;
    }

    static String table(String title, List<String> rows, List<String> cols, INDArray values, String fmt) {
        StringBuilder sb = new StringBuilder(title).append('\n');
        sb.append(String.format("%-24s", ""));
        for (int j = 0; j < cols.size(); j++) sb.append(String.format("  [%d] ", j));
        sb.append('\n');
        for (int i = 0; i < rows.size(); i++) {
            String name = Path.of(rows.get(i)).getFileName().toString();
            sb.append(String.format("%-24s", name.length() > 23 ? name.substring(0, 22) + "~" : name));
            for (int j = 0; j < cols.size(); j++) sb.append(String.format(fmt, values.getDouble(i, j)));
            sb.append('\n');
        }
        for (int j = 0; j < cols.size(); j++) sb.append(String.format("  [%d] %s%n", j, cols.get(j)));
        return sb.toString();
    }

    /** image_features.npy and text_features.npy in one zip (numpy's .npz), written to a temporary name first. */
    static void writeNpz(Path output, INDArray imageFeatures, INDArray textFeatures) throws IOException {
        AtomicFile.write(output, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(out)) {
                for (var e : List.of(java.util.Map.entry("image_features.npy", imageFeatures),
                        java.util.Map.entry("text_features.npy", textFeatures))) {
                    Path part = Files.createTempFile(tmp.getParent(), "part", ".npy");
                    try {
                        Npy.write(e.getValue(), part);
                        zip.putNextEntry(new ZipEntry(e.getKey()));
                        Files.copy(part, zip);
                        zip.closeEntry();
                    } finally {
                        Files.deleteIfExists(part);
                    }
                }
            }
        });
    }
}
