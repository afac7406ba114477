package dev.jclip.cli.commands;

import dev.jclip.cli.Args;
import dev.jclip.cli.Command;
import dev.jclip.cli.ModelLoader;
import dev.jclip.core.io.Npy;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ContrastiveLoss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code clip features}: runs a checkpoint on given images and tokens (.npy) and writes the features, logits and
 * loss as .npy, so outputs can be compared with another implementation tensor by tensor.
 */
public final class FeaturesCommand implements Command {
    @Override
    public String name() {
        return "features";
    }

    @Override
    public String summary() {
        return "write image/text features, logits and loss for --images X.npy --tokens T.npy to --out DIR";
    }

    @Override
    public int run(Args args) throws Exception {
        Path checkpoint = args.requirePath("checkpoint");
        String model = args.get("model", null);
        Path imagesFile = args.requirePath("images");
        Path tokensFile = args.requirePath("tokens");
        Path out = args.requirePath("out");
        args.checkAllUsed();
        ClipModel clip = ModelLoader.load(checkpoint, model);
        INDArray images = Npy.read(imagesFile).castTo(DataType.FLOAT);
        INDArray tokens = Npy.read(tokensFile);
        Files.createDirectories(out);
        INDArray fi = clip.encodeImage(images);
        INDArray ft = clip.encodeText(tokens);
        double scale = clip.logitScale().value().getDouble(0);
        INDArray logits = ContrastiveLoss.logits(fi, ft, scale);
        Npy.write(fi, out.resolve("image_features.npy"));
        Npy.write(ft, out.resolve("text_features.npy"));
        Npy.write(logits, out.resolve("logits_per_image.npy"));
        Npy.write(logits.transpose().dup('c'), out.resolve("logits_per_text.npy"));
        if (fi.rows() == ft.rows()) {
            double loss = ContrastiveLoss.compute(fi, ft, scale).loss();
            Npy.write(Nd4j.scalar(DataType.FLOAT, (float) loss), out.resolve("loss.npy"));
            System.out.printf("loss %.6f%n", loss);
        }
        System.out.println("wrote features for " + fi.rows() + " images and " + ft.rows() + " texts to " + out);
        return 0;
    }
}
