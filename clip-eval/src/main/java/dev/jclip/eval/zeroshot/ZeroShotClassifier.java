package dev.jclip.eval.zeroshot;

import dev.jclip.eval.features.FeatureExtractor;
import dev.jclip.eval.features.Vectors;
import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot class weights by prompt ensembling (CLIP paper, section 3.1.4): each class's embedding is the mean
 * of its L2-normalised prompt embeddings, normalised again. An image's class scores are the cosine similarities
 * between its normalised features and these weights.
 */
public final class ZeroShotClassifier {
    private ZeroShotClassifier() {
    }

    /** [C][E] unit-norm class embeddings. */
    public static double[][] classWeights(FeatureExtractor extractor, List<String> classNames, List<String> templates) {
        List<String> prompts = new ArrayList<>(classNames.size() * templates.size());
        for (String c : classNames) for (String t : templates) prompts.add(PromptTemplates.fill(t, c));
        double[][] embedded = Vectors.normalisedRows(extractor.texts(prompts));
        return ensemble(embedded, classNames.size(), templates.size());
    }

    /** Averages consecutive groups of {@code perClass} unit vectors and normalises each mean. */
    static double[][] ensemble(double[][] unitPrompts, int classes, int perClass) {
        int width = unitPrompts[0].length;
        double[][] w = new double[classes][width];
        for (int c = 0; c < classes; c++) {
            for (int t = 0; t < perClass; t++) {
                double[] p = unitPrompts[c * perClass + t];
                for (int j = 0; j < width; j++) w[c][j] += p[j] / perClass;
            }
            double norm = 0;
            for (double v : w[c]) norm += v * v;
            norm = Math.sqrt(norm);
            if (!(norm > 0)) throw new IllegalArgumentException("prompts of class " + c + " cancel out (zero mean embedding)");
            for (int j = 0; j < width; j++) w[c][j] /= norm;
        }
        return w;
    }
}
