package dev.jclip.data.image;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The training augmentation, open_clip's {@code --aug-cfg} ({@code AugmentationCfg}) with its key names: after
 * the random resized crop ({@code scale}, {@code ratio}), with probability {@code color_jitter_prob} torchvision's
 * {@code ColorJitter(brightness, contrast, saturation, hue)} ({@code color_jitter}, four numbers, the four
 * adjustments in a random order), then with probability {@code gray_scale_prob} {@code RandomGrayscale}. The
 * adjustments work on 8-bit RGB as PIL's do (ITU-R 601 luma, blending, hue shifted in HSV). Evaluation never
 * augments. The defaults (open_clip's: scale 0.9-1.0, no jitter, no grey) draw nothing beyond the crop, so a run
 * without {@code --aug-cfg} sees the same pixels as before it existed.
 *
 * @param scale           area fraction range of the crop
 * @param ratio           aspect-ratio range of the crop
 * @param colorJitter     brightness, contrast, saturation (each a factor range [max(0, 1-x), 1+x]) and hue (shift
 *                        in [-x, x] turns, x at most 0.5)
 * @param colorJitterProb probability of the colour jitter
 * @param grayScaleProb   probability of turning the image grey
 */
public record AugmentationConfig(double[] scale, double[] ratio, double[] colorJitter, double colorJitterProb,
                                 double grayScaleProb) {
    /** open_clip's training augmentation without an {@code --aug-cfg}. */
    public static final AugmentationConfig DEFAULT = new AugmentationConfig(ClipImageTransform.TRAIN_SCALE,
            ClipImageTransform.TRAIN_RATIO, new double[] {0, 0, 0, 0}, 0, 0);
    private static final List<String> KEYS = List.of("scale", "ratio", "color_jitter", "color_jitter_prob", "gray_scale_prob");
    private static final List<String> NOT_IMPLEMENTED = List.of("re_prob", "re_count", "use_timm", "interpolation");

    public AugmentationConfig {
        scale = range(scale, "scale", 0, 1);
        ratio = range(ratio, "ratio", 0, Double.MAX_VALUE);
        if (colorJitter.length != 4) throw new IllegalArgumentException("color_jitter needs 4 values (brightness, contrast, saturation, hue), got " + colorJitter.length);
        colorJitter = colorJitter.clone();
        for (double v : colorJitter) if (!(v >= 0)) throw new IllegalArgumentException("color_jitter values must be >= 0, got " + Arrays.toString(colorJitter));
        if (colorJitter[3] > 0.5) throw new IllegalArgumentException("color_jitter hue must be at most 0.5, got " + colorJitter[3]);
        probability(colorJitterProb, "color_jitter_prob");
        probability(grayScaleProb, "gray_scale_prob");
    }

    /**
     * Parses open_clip's {@code --aug-cfg} form: {@code key=value} pairs separated by spaces, a value a number or
     * a tuple {@code (a,b)} / {@code [a,b]}, e.g. {@code scale=(0.4,1.0) color_jitter=(0.4,0.4,0.4,0.1)
     * color_jitter_prob=0.8 gray_scale_prob=0.2}; keys left out keep their defaults. Errors name {@code source}.
     */
    public static AugmentationConfig parse(String spec, String source) {
        Map<String, double[]> v = new LinkedHashMap<>();
        for (String pair : split(spec)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException(source + ": expected key=value, got '" + pair + "'");
            String key = pair.substring(0, eq).strip();
            if (NOT_IMPLEMENTED.contains(key)) throw new IllegalArgumentException(source + ": '" + key + "' is not implemented by jclip (valid keys: " + KEYS + ")");
            if (!KEYS.contains(key)) throw new IllegalArgumentException(source + ": unknown key '" + key + "' (valid keys: " + KEYS + ")");
            v.put(key, numbers(pair.substring(eq + 1).strip(), key, source));
        }
        try {
            return new AugmentationConfig(v.getOrDefault("scale", DEFAULT.scale), v.getOrDefault("ratio", DEFAULT.ratio),
                    v.getOrDefault("color_jitter", DEFAULT.colorJitter), single(v, "color_jitter_prob"), single(v, "gray_scale_prob"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The crop, then the colour jitter and the grey conversion as configured, drawing from {@code rng}. */
    public RgbImage afterCrop(RgbImage img, RandomGenerator rng) {
        if (colorJitterProb > 0 && rng.nextDouble() < colorJitterProb) img = jitter(img, rng);
        if (grayScaleProb > 0 && rng.nextDouble() < grayScaleProb) img = gray(img);
        return img;
    }

    /** torchvision's ColorJitter: each factor drawn, then the four adjustments in a random order. */
    private RgbImage jitter(RgbImage img, RandomGenerator rng) {
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) { // Fisher-Yates, as torch.randperm(4)
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double[] f = new double[4];
        for (int k = 0; k < 3; k++) f[k] = colorJitter[k] == 0 ? 1 : uniform(rng, Math.max(0, 1 - colorJitter[k]), 1 + colorJitter[k]);
        f[3] = colorJitter[3] == 0 ? 0 : uniform(rng, -colorJitter[3], colorJitter[3]);
        for (int op : order) {
            if (op == 3 ? f[3] == 0 : f[op] == 1) continue;
            img = switch (op) {
                case 0 -> towards(img, 0, f[0]);                    // brightness: towards black
                case 1 -> towards(img, meanLuma(img), f[1]);        // contrast: towards the mean grey
                case 2 -> saturate(img, f[2]);                      // saturation: towards the pixel's grey
                default -> ColourSpace.shiftHue(img, f[3]);
            };
        }
        return img;
    }

    /** {@code grey + factor * (v - grey)} for every channel value, rounded and clamped: one 256-entry table. */
    private static RgbImage towards(RgbImage img, double grey, double factor) {
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) table[v] = clampByte(grey + factor * (v - grey));
        byte[] p = img.rgb();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i++) out[i] = table[p[i] & 0xff];
        return new RgbImage(img.width(), img.height(), out);
    }

    /** Each pixel blended with its own luma: {@code luma + factor * (v - luma)}, rounded and clamped. */
    private static RgbImage saturate(RgbImage img, double factor) {
        byte[] p = img.rgb();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i += 3) {
            int r = p[i] & 0xff, g = p[i + 1] & 0xff, b = p[i + 2] & 0xff;
            double l = luma(r, g, b);
            out[i] = clampByte(l + factor * (r - l));
            out[i + 1] = clampByte(l + factor * (g - l));
            out[i + 2] = clampByte(l + factor * (b - l));
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    /** PIL's {@code convert("L")}: luma (299 R + 587 G + 114 B) / 1000, rounded. */
    static int luma(int r, int g, int b) {
        return (r * 299 + g * 587 + b * 114 + 500) / 1000;
    }

    private static double meanLuma(RgbImage img) {
        byte[] p = img.rgb();
        long s = 0;
        for (int i = 0; i < p.length; i += 3) s += luma(p[i] & 0xff, p[i + 1] & 0xff, p[i + 2] & 0xff);
        return Math.floor(s / (img.width() * (double) img.height()) + 0.5); // PIL's contrast uses int(mean + 0.5)
    }

    /** torchvision's RandomGrayscale with 3 output channels: luma in every channel. */
    static RgbImage gray(RgbImage img) {
        byte[] p = img.rgb();
        byte[] out = new byte[p.length];
        for (int i = 0; i < p.length; i += 3) {
            byte l = (byte) luma(p[i] & 0xff, p[i + 1] & 0xff, p[i + 2] & 0xff);
            out[i] = l;
            out[i + 1] = l;
            out[i + 2] = l;
        }
        return new RgbImage(img.width(), img.height(), out);
    }

    static byte clampByte(double v) {
        return (byte) Math.max(0, Math.min(255, (int) Math.floor(v + 0.5)));
    }

    private static double uniform(RandomGenerator rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }

    private static double[] range(double[] r, String key, double lo, double hi) {
        if (r.length != 2 || !(r[0] > lo) || !(r[1] >= r[0]) || !(r[1] <= hi)) {
            throw new IllegalArgumentException(key + " must be two numbers lo <= hi in (" + lo + ", " + (hi == Double.MAX_VALUE ? "inf" : hi) + "], got " + Arrays.toString(r));
        }
        return r.clone();
    }

    private static void probability(double p, String key) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException(key + " must be in [0, 1], got " + p);
    }

    private static double single(Map<String, double[]> v, String key) {
        double[] a = v.get(key);
        if (a == null) return 0;
        if (a.length != 1) throw new IllegalArgumentException(key + " must be one number, got " + a.length);
        return a[0];
    }

    /** Top-level space-separated parts (spaces inside brackets do not split). */
    private static List<String> split(String spec) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (char c : spec.toCharArray()) {
            if (c == '(' || c == '[') depth++;
            if (c == ')' || c == ']') depth--;
            if (Character.isWhitespace(c) && depth == 0) {
                if (!cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) out.add(cur.toString());
        return out;
    }

    private static double[] numbers(String value, String key, String source) {
        String v = value;
        if ((v.startsWith("(") && v.endsWith(")")) || (v.startsWith("[") && v.endsWith("]"))) v = v.substring(1, v.length() - 1);
        String[] parts = v.split(",");
        List<Double> out = new ArrayList<>();
        for (String p : parts) {
            if (p.isBlank()) continue;
            try {
                out.add(Double.parseDouble(p.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": bad value for '" + key + "': expected numbers, got '" + value + "'");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": '" + key + "' has no value");
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AugmentationConfig a && Arrays.equals(a.scale, scale) && Arrays.equals(a.ratio, ratio)
                && Arrays.equals(a.colorJitter, colorJitter) && a.colorJitterProb == colorJitterProb && a.grayScaleProb == grayScaleProb;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(scale), Arrays.hashCode(ratio), Arrays.hashCode(colorJitter), colorJitterProb, grayScaleProb);
    }

    @Override
    public String toString() {
        return "scale=(" + scale[0] + "," + scale[1] + ") ratio=(" + ratio[0] + "," + ratio[1] + ") color_jitter=("
                + colorJitter[0] + "," + colorJitter[1] + "," + colorJitter[2] + "," + colorJitter[3] + ") color_jitter_prob="
                + colorJitterProb + " gray_scale_prob=" + grayScaleProb;
    }
}
