package dev.jclip.api;

import dev.jclip.core.nn.MatMul;
import dev.jclip.eval.ModelEncoder;
import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.zeroshot.ZeroShotClassifier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Zero-shot classification with a loaded {@link Clip}: class embeddings by prompt ensembling (clip-eval's
 * {@link ZeroShotClassifier}), scores as softmax over the model's scaled cosine similarities, as in CLIP's notebook.
 */
public final class ZeroShot {
    private final Clip clip;
    private final List<String> classNames;
    /** [C, E], unit rows. */
    private final INDArray classWeights;

    private ZeroShot(Clip clip, List<String> classNames, INDArray classWeights) {
        this.clip = clip;
        this.classNames = List.copyOf(classNames);
        this.classWeights = classWeights;
    }

    static ZeroShot build(Clip clip, List<String> classNames, List<String> templates) {
        return buildWithSynonyms(clip, classNames.stream().map(List::of).toList(), templates);
    }

    /** Classes with one or more names each (the first is the class's name), every name in every template. */
    static ZeroShot buildWithSynonyms(Clip clip, List<List<String>> classSynonyms, List<String> templates) {
        if (classSynonyms.isEmpty()) throw new IllegalArgumentException("no class names");
        if (templates.isEmpty()) throw new IllegalArgumentException("no templates");
        for (String t : templates) {
            if (!t.contains("{}")) throw new IllegalArgumentException("template has no {} where the class name goes: '" + t + "'");
        }
        clip.tokenize("");   // fails early, with its explanation, when no vocabulary travels with the weights
        FeatureExtractor features = new FeatureExtractor(new ModelEncoder(clip.model(), clip.tokenizer()), Clip.BATCH);
        double[][] weights = ZeroShotClassifier.classWeightsOfSynonyms(features, classSynonyms, templates);
        return new ZeroShot(clip, classSynonyms.stream().map(s -> s.get(0)).toList(), Nd4j.create(weights).castTo(DataType.FLOAT));
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Class probabilities [B, C] of image features [B, E] (from {@link Clip#encodeImage}). */
    public INDArray probabilities(INDArray imageFeatures) {
        INDArray logits = MatMul.gemm(Clip.normalized(imageFeatures), classWeights, false, true).muli(clip.logitScale());
        return Transforms.softmax(logits, true);
    }

    /** The most probable class of each image file. */
    public List<String> classify(Path... images) throws IOException {
        INDArray best = probabilities(clip.encodeImage(images)).argMax(1);
        String[] out = new String[images.length];
        for (int i = 0; i < out.length; i++) out[i] = classNames.get(best.getInt(i));
        return List.of(out);
    }
}
