package dev.jclip.data.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic web-like captions for benchmarks and tests: alt-text templates mixing common words, names,
 * capitalisation, numbers, sizes, punctuation, hashtags, HTML entities, accented words and emoji in roughly
 * the proportions seen in image-text crawls. The same seed always gives the same captions.
 */
public final class SyntheticCaptions {
    private static final String[] ADJ = {"red", "small", "vintage", "beautiful", "modern", "old", "wooden", "happy", "black and white",
        "colorful", "cozy", "rustic", "minimalist", "large", "cute", "golden", "handmade", "blue", "bright", "abstract"};
    private static final String[] NOUN = {"cat", "dog", "house", "car", "woman", "man", "kitchen", "mountain", "beach", "table",
        "chair", "dress", "painting", "flower", "bicycle", "coffee cup", "city street", "wedding cake", "sofa", "lamp",
        "sneakers", "garden", "bridge", "laptop", "guitar", "bird", "horse", "pizza", "ring", "backpack"};
    private static final String[] PLACE = {"park", "living room", "forest", "lake", "studio", "market", "desert", "snow", "office",
        "restaurant", "street", "river", "sunset", "museum", "farm"};
    private static final String[] PREP = {"in the", "on the", "near the", "at the", "by the", "under the"};
    private static final String[] NAME = {"Paris", "New York", "Tokyo", "IKEA", "Nike", "iPhone 12", "McDonald's", "São Paulo",
        "Zürich", "Kraków", "Montréal", "Dublin", "Apple", "Samsung Galaxy S21", "Lego"};
    private static final String[] EXTRA = {"stock photo", "royalty free", "high resolution", "free shipping", "for sale",
        "HD wallpaper", "clipart", "vector illustration", "on white background", "close-up", "DIY", "best price"};
    private static final String[] EMOJI = {"😀", "❤️", "🔥", "✨", "👍", "🎉"};
    private static final String[] NONASCII = {"café", "naïve", "crème brûlée", "jalapeño", "façade", "smörgåsbord", "Ñandú"};

    private SyntheticCaptions() {
    }

    public static List<String> generate(int count, long seed) {
        return generate(count, seed, List.of());
    }

    /**
     * As {@link #generate(int, long)}, and each caption also gets up to six words drawn from {@code rankedWords}
     * with Zipf's law (word {@code k} about {@code 1/(k+1)} as likely as the first), which gives a corpus the
     * long tail of real vocabulary, e.g. from {@link ClipTokenizer#vocabularyWords(int)}.
     */
    public static List<String> generate(int count, long seed, List<String> rankedWords) {
        Random r = new Random(seed);
        double[] cumulative = zipf(rankedWords.size());
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String c = caption(r);
            if (!rankedWords.isEmpty()) {
                StringBuilder sb = new StringBuilder(c);
                for (int k = r.nextInt(7); k > 0; k--) sb.append(' ').append(rankedWords.get(sampleIndex(cumulative, r.nextDouble())));
                c = sb.toString();
            }
            out.add(c);
        }
        return out;
    }

    private static double[] zipf(int n) {
        double[] c = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1.0 / (k + 1);
            c[k] = sum;
        }
        for (int k = 0; k < n; k++) c[k] /= sum;
        return c;
    }

    private static int sampleIndex(double[] cumulative, double u) {
        int i = java.util.Arrays.binarySearch(cumulative, u);
        return Math.min(cumulative.length - 1, i >= 0 ? i : -i - 1);
    }

    private static String caption(Random r) {
        StringBuilder sb = new StringBuilder();
        switch (r.nextInt(6)) {
            case 0 -> sb.append("a photo of a ").append(pick(r, ADJ)).append(' ').append(pick(r, NOUN)).append(' ')
                    .append(pick(r, PREP)).append(' ').append(pick(r, PLACE));
            case 1 -> sb.append(cap(pick(r, ADJ))).append(' ').append(pick(r, NOUN)).append(" - ").append(pick(r, EXTRA));
            case 2 -> sb.append(pick(r, NAME)).append(' ').append(pick(r, NOUN)).append(' ').append(1 + r.nextInt(2024))
                    .append(" | ").append(pick(r, EXTRA).toUpperCase());
            case 3 -> sb.append(cap(pick(r, NOUN))).append(' ').append(pick(r, PREP)).append(' ').append(pick(r, PLACE))
                    .append(", ").append(pick(r, NAME)).append(". ").append(r.nextInt(4000)).append('x').append(r.nextInt(3000));
            case 4 -> sb.append("#").append(pick(r, NOUN).replace(" ", "")).append(" #").append(pick(r, PLACE).replace(" ", ""))
                    .append(' ').append(pick(r, NONASCII)).append(" &amp; ").append(pick(r, NOUN)).append(' ').append(pick(r, EMOJI));
            default -> sb.append("It's a ").append(pick(r, ADJ)).append(' ').append(pick(r, NOUN)).append(" with ")
                    .append(r.nextInt(12) + 2).append(' ').append(pick(r, NOUN)).append("s!! (").append(pick(r, NAME)).append(')');
        }
        if (r.nextInt(4) == 0) sb.append(' ').append(pick(r, EXTRA));
        return sb.toString();
    }

    private static String pick(Random r, String[] words) {
        return words[r.nextInt(words.length)];
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
