package dev.jclip.cli.commands;

import dev.jclip.cli.CliRun;
import static dev.jclip.core.testing.TransparentImages.onBackground;
import static dev.jclip.core.testing.TransparentImages.palette;
import static dev.jclip.core.testing.TransparentImages.png;
import static dev.jclip.core.testing.TransparentImages.rgba;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jclip.cli.Main;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.io.Npy;
import dev.jclip.core.io.SafeTensors;
import dev.jclip.core.model.ClipModel;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.Evaluations;
import dev.jclip.eval.data.ImageFolderDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code clip encode} and evaluation see a transparent PNG and a palette PNG with a transparent index as the same
 * drawings composited on white (by default), on black with {@code --alpha-background black}, and as the
 * checkpoint's recorded preprocessing says when no flag is given. (Training: TransparentImagesLoaderTest in
 * clip-data and PreprocessRecordingTest in clip-train.)
 */
class TransparentImagesCliTest {
    @TempDir
    static Path dir;
    static Path vocab;
    static Path plain;    // no preprocessing recorded: CLIP's, over white
    static Path black;    // records alpha background black
    static final Map<String, Path> images = new LinkedHashMap<>();

    @BeforeAll
    static void modelAndImages() throws Exception {
        // Main's initialiser wires the model loader into EncoderLoader, which the eval commands use
        Class.forName(Main.class.getName(), true, Main.class.getClassLoader());
        BpeTrainer bpe = new BpeTrainer(520);
        for (String c : List.of("a black line drawing", "a white page", "strokes on paper")) bpe.addCaption(c);
        vocab = dir.resolve("vocab.txt.gz");
        bpe.trainAndWrite(vocab);
        int vocabSize = ClipTokenizer.load(vocab).vocabSize();
        ClipConfig cfg = ClipConfig.parse(ClipConfig.preset("ViT-tiny").toJson()
                .replace("\"vocab_size\" : 1000", "\"vocab_size\" : " + vocabSize), "test");
        ClipModel model = ClipModel.create(cfg, 5);
        plain = dir.resolve("plain.safetensors");
        SafeTensors.write(model.parameters().stateDict(), Map.of(SafeTensors.CONFIG_KEY, cfg.toJson()), plain);
        black = dir.resolve("black.safetensors");
        SafeTensors.write(model.parameters().stateDict(), Map.of(SafeTensors.CONFIG_KEY, cfg.toJson(),
                PreprocessConfig.METADATA_KEY, PreprocessConfig.clip(32).withAlphaBackground(AlphaBackground.BLACK).toJson()), black);
        write("transparent/x/rgba.png", png(rgba(48, 40)));
        write("transparent/x/palette.png", png(palette(48, 40)));
        for (int bg : new int[] {255, 0}) {
            write("on" + bg + "/x/rgba.png", png(onBackground(rgba(48, 40), bg)));
            write("on" + bg + "/x/palette.png", png(onBackground(palette(48, 40), bg)));
        }
    }

    private static void write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        images.put(name, p);
    }

    /** {@code clip encode}'s saved image features of the folder's two images. */
    private static float[][] encode(Path checkpoint, String folder, String... flags) throws Exception {
        Path npz = dir.resolve("features-" + System.nanoTime() + ".npz");
        List<String> argv = new ArrayList<>(List.of("encode", "--checkpoint", checkpoint.toString(), "--vocab", vocab.toString(),
                "--image", images.get(folder + "/x/rgba.png").toString(), "--image", images.get(folder + "/x/palette.png").toString(),
                "--text", "a black line drawing", "--output", npz.toString()));
        argv.addAll(List.of(flags));
        CliRun run = CliRun.clip(argv.toArray(new String[0]));
        assertEquals(0, run.code(), run.out() + run.err());
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            Path f = dir.resolve("img-" + System.nanoTime() + ".npy");
            Files.copy(zip.getInputStream(zip.getEntry("image_features.npy")), f);
            return Npy.read(f).toFloatMatrix();
        }
    }

    /**
     * Same pixels in, same features out, up to float rounding: the fused kernels' Vector API exp may round
     * differently before and after the JIT compiles it (docs/ARCHITECTURE.md), so not bit for bit.
     */
    private static void assertSameFeatures(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        assertTrue(maxDiff(expected, actual) < 1e-5, "features differ by " + maxDiff(expected, actual));
    }

    private static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    @Test
    void encodeCompositesOverWhiteByDefaultBlackOnRequestAndAsTheCheckpointSays() throws Exception {
        float[][] white = encode(plain, "on255");
        float[][] onBlack = encode(plain, "on0");
        assertTrue(maxDiff(white, onBlack) > 1e-3, "the background must matter");
        assertSameFeatures(white, encode(plain, "transparent"));
        assertSameFeatures(onBlack, encode(plain, "transparent", "--alpha-background", "black"));
        assertSameFeatures(onBlack, encode(black, "transparent"));                              // read from the checkpoint
        assertSameFeatures(white, encode(black, "transparent", "--alpha-background", "white")); // the flag overrides
        assertEquals(2, Main.run("encode", "--checkpoint", plain.toString(), "--image", images.get("on0/x/rgba.png").toString(),
                "--text", "a", "--alpha-background", "grey"));
    }

    /** The options every eval command mixes in, parsed as picocli parses them. */
    @CommandLine.Command
    static final class EvalFlags {
        @CommandLine.Mixin
        EvalOptions eval;

        @CommandLine.Mixin
        ImageOptions images;
    }

    /** The eval commands' model loading: features of the transparent folder equal those of the composited one. */
    private static float[][] evalFeatures(Path checkpoint, String folder, String... flags) throws Exception {
        List<String> argv = new ArrayList<>(List.of("--vocab", vocab.toString(), "--no-cache"));
        argv.addAll(List.of(flags));
        EvalFlags parsed = CommandLine.populateCommand(new EvalFlags(), argv.toArray(new String[0]));
        Evaluations.FeatureSource src = parsed.eval.load(checkpoint, EncoderLoader.MODEL, parsed.images);
        return src.images(ImageFolderDataset.read(dir.resolve(folder), null));
    }

    @Test
    void evaluationSeesImagesAsTheCheckpointRecordsThem() throws Exception {
        float[][] white = evalFeatures(plain, "on255");
        float[][] onBlack = evalFeatures(plain, "on0");
        assertSameFeatures(white, evalFeatures(plain, "transparent"));
        assertSameFeatures(onBlack, evalFeatures(plain, "transparent", "--alpha-background", "black"));
        assertSameFeatures(onBlack, evalFeatures(black, "transparent"));
        assertSameFeatures(white, evalFeatures(black, "transparent", "--alpha-background", "white"));
        assertTrue(white.length == 2 && maxDiff(white, onBlack) > 1e-3, "the background must matter");
    }
}
