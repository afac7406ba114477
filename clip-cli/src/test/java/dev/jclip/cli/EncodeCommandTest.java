package dev.jclip.cli;

import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.core.io.Npy;
import dev.jclip.core.model.ClipModel;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.image.ImageEncoder;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncodeCommandTest {
    @Test
    void printsSimilaritiesAndSavesTheFeatures(@TempDir Path dir) throws Exception {
        SyntheticShapes shapes = new SyntheticShapes(32, 3);
        BpeTrainer bpe = new BpeTrainer(560);
        for (int i = 0; i < 200; i++) bpe.addCaption(shapes.sample(i).caption());
        Path vocab = dir.resolve("vocab.txt.gz");
        bpe.trainAndWrite(vocab);
        int vocabSize = ClipTokenizer.load(vocab).vocabSize();
        String json = ClipConfig.preset("ViT-tiny").toJson().replace("\"vocab_size\" : 1000", "\"vocab_size\" : " + vocabSize);
        ClipConfig cfg = ClipConfig.parse(json, "test");
        ClipModel model = ClipModel.create(cfg, 5);
        Path ckpt = dir.resolve("model.safetensors");
        Checkpoints.write(model.parameters().stateDict(), cfg, ckpt, Checkpoints.Format.SAFETENSORS);
        Path img0 = dir.resolve("a.png"), img1 = dir.resolve("b.png");
        Files.write(img0, ImageEncoder.png(shapes.sample(0).image()));
        Files.write(img1, ImageEncoder.png(shapes.sample(1).image()));
        Path npz = dir.resolve("features.npz");

        CliRun run = CliRun.clip("encode", "--checkpoint", ckpt.toString(), "--vocab", vocab.toString(), "--image", img0.toString(),
                    "--image", img1.toString(), "--text", "a red circle", "--text", "a blue square", "--text", "a dog",
                    "--output", npz.toString());
        assertEquals(0, run.code(), run.out() + run.err());
        String out = run.out();
        assertTrue(out.contains("cosine similarity") && out.contains("probability") && out.contains("a.png"), out);
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Path imgFeatures = dir.resolve("img.npy");
            Files.copy(zip.getInputStream(zip.getEntry("image_features.npy")), imgFeatures);
            INDArray saved = Npy.read(imgFeatures);
            assertEquals(2, saved.rows());
            assertTrue(zip.getEntry("text_features.npy") != null);
            // the saved features are the model's on the same preprocessed image
            ClipImageTransform t = new ClipImageTransform(PreprocessConfig.clip(32));
            float[] px = new float[t.floatsPerImage()];
            t.evalInto(shapes.sample(0).image(), px, 0);
            INDArray direct = model.encodeImage(Nd4j.create(px, new long[]{1, 3, 32, 32}, 'c'));
            assertTrue(saved.getRow(0).sub(direct.getRow(0)).amaxNumber().doubleValue() < 1e-4);
        }
    }

    @Test
    void missingImageIsAUsageError(@TempDir Path dir) {
        assertEquals(2, Main.run("encode", "--checkpoint", dir.resolve("x.safetensors").toString(), "--text", "a"));
    }
}
