package dev.jclip.eval.zeroshot;

import dev.jclip.eval.ImageTextEncoder;
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
        return classWeightsOfSynonyms(extractor, classNames.stream().map(List::of).toList(), templates);
    }

    /**
     * [C][E] unit-norm class embeddings for classes with one or more names (e.g. FER2013's "happy", "smiling"):
     * the mean over every name in every template, as one ensemble.
     */
    public static double[][] classWeightsOfSynonyms(FeatureExtractor extractor, List<List<String>> classSynonyms, List<String> templates) {
        List<String> prompts = new ArrayList<>();
        int[] perClass = new int[classSynonyms.size()];
        for (int c = 0; c < perClass.length; c++) {
            for (String name : classSynonyms.get(c)) for (String t : templates) prompts.add(PromptTemplates.fill(t, name));
            perClass[c] = classSynonyms.get(c).size() * templates.size();
        }
        double[][] embedded = Vectors.normalisedRows(extractor.texts(prompts));
        return ensemble(embedded, perClass);
    }

    /**
     * Zero-shot scores [N][C] of a model that predicts captions ({@link ImageTextEncoder#scoresPrompts()}): each
     * class's score is the mean, over every name in every template, of the prompt's likelihood given the image.
     */
    public static double[][] likelihoodScores(ImageTextEncoder encoder, float[][] imageFeatures, List<List<String>> classSynonyms,
                                              List<String> templates) {
        List<String> prompts = new ArrayList<>();
        int[] perClass = new int[classSynonyms.size()];
        for (int c = 0; c < perClass.length; c++) {
            for (String name : classSynonyms.get(c)) for (String t : templates) prompts.add(PromptTemplates.fill(t, name));
            perClass[c] = classSynonyms.get(c).size() * templates.size();
        }
        double[][] perPrompt = encoder.promptScores(imageFeatures, prompts);
        double[][] out = new double[imageFeatures.length][perClass.length];
        for (int i = 0; i < out.length; i++) {
            int k = 0;
            for (int c = 0; c < perClass.length; c++) {
                for (int t = 0; t < perClass[c]; t++) out[i][c] += perPrompt[i][k++] / perClass[c];
            }
        }
        return out;
    }

    /** Averages consecutive groups of unit vectors, {@code perClass[c]} for class c, and normalises each mean. */
    static double[][] ensemble(double[][] unitPrompts, int[] perClass) {
        int width = unitPrompts[0].length;
        int classes = perClass.length;
        double[][] w = new double[classes][width];
        int row = 0;
        for (int c = 0; c < classes; c++) {
            for (int t = 0; t < perClass[c]; t++) {
                double[] p = unitPrompts[row++];
                for (int j = 0; j < width; j++) w[c][j] += p[j] / perClass[c];
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
