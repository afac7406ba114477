package dev.jclip.cli;

import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ClipModels;
import dev.jclip.core.model.ContrastiveLoss;
import dev.jclip.data.image.ClipImageTransform;
import dev.jclip.data.synth.SyntheticShapes;
import dev.jclip.data.text.BpeTrainer;
import dev.jclip.data.text.ClipTokenizer;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.zeroshot.PromptTemplates;
import dev.jclip.eval.zeroshot.ZeroShotClassifier;
import dev.jclip.train.Trainer;
import dev.jclip.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's Java tour, compiled and run end to end on synthetic data (keep the two in step). */
class ReadmeExampleTest {

    @Test
    void trainEncodeAndClassifyZeroShot(@TempDir Path dir) throws Exception {
        // Data: WebDataset shards of (image, caption) pairs, and a BPE vocabulary learned from the captions.
        SyntheticShapes shapes = new SyntheticShapes(32, 1);
        shapes.writeShards(dir.resolve("shards"), "shard", 256, 64, "png");
        BpeTrainer bpe = new BpeTrainer(600);
        for (int i = 0; i < 256; i++) bpe.addCaption(shapes.sample(i).caption());
        Path vocab = dir.resolve("vocab.txt.gz");
        bpe.trainAndWrite(vocab);

        // 1. Train (the same as: clip train --model ViT-tiny --train-data 'shards/shard-{00000..00003}.tar' ...)
        TrainConfig cfg = TrainConfig.builder().model("ViT-tiny").trainData(dir + "/shards/shard-{00000..00003}.tar")
                .vocab(vocab.toString()).batchSize(32).steps(4).lr(1e-3).warmup(1).output(dir.resolve("run").toString()).build();
        Trainer.Result result = Trainer.builder().config(cfg).build().fit();   // opens train-data with vocab, checks it fits the model
        assertEquals(4, result.steps());
        ClipTokenizer tokenizer = ClipTokenizer.load(dir.resolve("run/vocab.txt.gz"));   // the run keeps its vocabulary

        // 2. Encode images and texts with the trained weights
        try (ClipModel model = ClipModels.load(dir.resolve("run/model.safetensors"))) {
            ClipImageTransform transform = new ClipImageTransform(PreprocessConfig.clip(32));
            float[] pixels = new float[transform.floatsPerImage()];
            transform.evalInto(shapes.sample(0).image(), pixels, 0);
            INDArray images = Nd4j.create(pixels, new long[]{1, 3, 32, 32}, 'c');
            INDArray tokens = tokenizer.tokenizeToArray(List.of("a red circle", "a blue square"), 16, true, DataType.INT);
            INDArray logits = ContrastiveLoss.logits(model.encodeImage(images), model.encodeText(tokens),
                    model.logitScale().value().getDouble(0));
            assertEquals(2, logits.columns());

            // 3. Zero-shot: class embeddings from prompts, averaged over templates
            FeatureExtractor features = new FeatureExtractor(new ModelEncoder(model, tokenizer), 64);
            double[][] classes = ZeroShotClassifier.classWeights(features, SyntheticShapes.classNames(),
                    List.of("a {}", "a picture of a {}"));
            assertEquals(SyntheticShapes.classNames().size(), classes.length);
        }
        assertTrue(Files.exists(dir.resolve("run/metrics.jsonl")));
    }
}
