package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.TextConfig;
import dev.jclip.core.config.VisionConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of a CLIP model from its OpenAI-named weight shapes, as OpenAI's {@code build_model} finds it:
 * a ViT when {@code visual.proj} exists, widths, depths, patch size, resolution, context length, vocabulary and
 * embedding size from shapes, ResNet stage depths from the {@code visual.layerN.M} keys, MLP ratios from the
 * first block's {@code c_fc}. Head counts are not in the weights: OpenAI's rule is used (ViT width/64, ResNet
 * width*32/64, text width/64, at least 1) unless a given config supplies them. QuickGELU is assumed, as in
 * OpenAI's models.
 */
public final class ArchitectureInference {
    private ArchitectureInference() {
    }

    /** The config the weights imply. */
    public static ClipConfig infer(Map<String, long[]> shapes) {
        Shapes s = new Shapes(shapes);
        VisionConfig vision;
        if (shapes.containsKey("visual.proj")) {
            long[] conv = s.get("visual.conv1.weight");
            int width = (int) conv[0];
            int patch = (int) conv[conv.length - 1];
            int layers = countLayers(shapes, "visual.transformer.resblocks.");
            int grid = (int) Math.round(Math.sqrt(s.get("visual.positional_embedding")[0] - 1));
            double mlp = mlpRatio(s, "visual.transformer.resblocks.0.mlp.c_fc.weight", width);
            vision = new VisionConfig(patch * grid, new int[]{layers}, width, 64, Math.max(1, width / 64), patch, mlp);
            if (width / 64 >= 1 && width % 64 == 0) vision = withHeads(vision, 0);
        } else {
            int[] layers = new int[4];
            for (int b = 1; b <= 4; b++) {
                Set<String> blocks = new HashSet<>();
                for (String k : shapes.keySet()) {
                    if (k.startsWith("visual.layer" + b + ".")) blocks.add(k.split("\\.")[2]);
                }
                if (blocks.isEmpty()) throw new CheckpointException("cannot infer the architecture: no 'visual.proj' (ViT) and no 'visual.layer" + b + ".*' keys (ResNet)");
                layers[b - 1] = blocks.size();
            }
            int width = (int) s.get("visual.layer1.0.conv1.weight")[0];
            int out = (int) Math.round(Math.sqrt(s.get("visual.attnpool.positional_embedding")[0] - 1));
            vision = new VisionConfig(out * 32, layers, width, 64, Math.max(1, width * 32 / 64), 0, 4.0);
            if (width * 32 / 64 >= 1 && width * 32 % 64 == 0) vision = withHeads(vision, 0);
        }
        int twidth = (int) s.get("ln_final.weight")[0];
        TextConfig text = new TextConfig((int) s.get("positional_embedding")[0], (int) s.get("token_embedding.weight")[0],
                twidth, Math.max(1, twidth / 64), countLayers(shapes, "transformer.resblocks."),
                mlpRatio(s, "transformer.resblocks.0.mlp.c_fc.weight", twidth));
        try {
            // a logit_bias is a SigLIP model's (its value comes with the weights; -10 is only the initial one)
            // and a caption head's weights make a bag-of-words or caption-LM model
            dev.jclip.core.config.Objective objective = shapes.containsKey("bow_head.weight") ? dev.jclip.core.config.Objective.BOW
                    : shapes.containsKey("caption_head.image_proj.weight") ? dev.jclip.core.config.Objective.CAPTION_LM
                    : dev.jclip.core.config.Objective.CONTRASTIVE;
            return new ClipConfig((int) s.get("text_projection")[1], true, vision, text, null,
                    shapes.containsKey("logit_bias") ? -10.0 : null, objective);
        } catch (ConfigException e) {
            throw new CheckpointException("the weights imply an invalid architecture: " + e.getMessage(), e);
        }
    }

    /**
     * Checks {@code given} against the weights and returns it (its head counts and activation win): every field
     * the shapes determine must agree, else the error names the field, the key and both values.
     */
    public static ClipConfig infer(Map<String, long[]> shapes, ClipConfig given) {
        if (given == null) return infer(shapes);
        ClipConfig w = infer(shapes);
        VisionConfig gv = given.vision();
        VisionConfig wv = w.vision();
        List<String> problems = new ArrayList<>();
        if (gv.isResNet() != wv.isResNet()) {
            problems.add("vision tower: config says " + (gv.isResNet() ? "ResNet" : "ViT") + " but the weights are a "
                    + (wv.isResNet() ? "ResNet (no visual.proj)" : "ViT (visual.proj " + Arrays.toString(shapes.get("visual.proj")) + ")"));
        } else if (wv.isResNet()) {
            check(problems, shapes, "vision_cfg.width", gv.width(), wv.width(), "visual.layer1.0.conv1.weight");
            if (!Arrays.equals(gv.layers(), wv.layers())) {
                problems.add("vision_cfg.layers: config " + Arrays.toString(gv.layers()) + ", weights " + Arrays.toString(wv.layers())
                        + " (visual.layerN.M blocks)");
            }
            check(problems, shapes, "vision_cfg.image_size", gv.imageSize(), wv.imageSize(), "visual.attnpool.positional_embedding");
        } else {
            check(problems, shapes, "vision_cfg.width", gv.width(), wv.width(), "visual.conv1.weight");
            check(problems, shapes, "vision_cfg.patch_size", gv.patchSize(), wv.patchSize(), "visual.conv1.weight");
            check(problems, shapes, "vision_cfg.layers", gv.layers()[0], wv.layers()[0], "visual.transformer.resblocks.N");
            check(problems, shapes, "vision_cfg.image_size", gv.imageSize(), wv.imageSize(), "visual.positional_embedding");
            checkRatio(problems, shapes, "vision_cfg.mlp_ratio", gv.mlpRatio(), wv.mlpRatio(), "visual.transformer.resblocks.0.mlp.c_fc.weight");
        }
        TextConfig gt = given.text();
        TextConfig wt = w.text();
        check(problems, shapes, "embed_dim", given.embedDim(), w.embedDim(), "text_projection");
        check(problems, shapes, "text_cfg.context_length", gt.contextLength(), wt.contextLength(), "positional_embedding");
        check(problems, shapes, "text_cfg.vocab_size", gt.vocabSize(), wt.vocabSize(), "token_embedding.weight");
        check(problems, shapes, "text_cfg.width", gt.width(), wt.width(), "ln_final.weight");
        check(problems, shapes, "text_cfg.layers", gt.layers(), wt.layers(), "transformer.resblocks.N");
        checkRatio(problems, shapes, "text_cfg.mlp_ratio", gt.mlpRatio(), wt.mlpRatio(), "transformer.resblocks.0.mlp.c_fc.weight");
        if (given.isSiglip() != w.isSiglip()) {
            problems.add("init_logit_bias: config " + (given.isSiglip() ? given.initLogitBias() : "none")
                    + ", weights " + (w.isSiglip() ? "have a logit_bias (SigLIP)" : "have no logit_bias"));
        }
        if (given.objective() != w.objective()) {
            problems.add("objective: config " + given.objective() + ", weights " + (w.objective().predictsCaption()
                    ? "have the " + w.objective() + " head" : "have no caption head (contrastive)"));
        }
        if (!problems.isEmpty()) throw new CheckpointException("config does not match the weights: " + String.join("; ", problems));
        return given;
    }

    private static void check(List<String> problems, Map<String, long[]> shapes, String field, int config, int weights, String key) {
        if (config != weights) problems.add(field + ": config " + config + ", weights " + weights + describe(shapes, key));
    }

    private static void checkRatio(List<String> problems, Map<String, long[]> shapes, String field, double config, double weights, String key) {
        if (Math.abs(config - weights) > 1e-9) problems.add(field + ": config " + config + ", weights " + weights + describe(shapes, key));
    }

    private static String describe(Map<String, long[]> shapes, String key) {
        long[] s = shapes.get(key);
        return s == null ? " (from " + key + ")" : " (" + key + " has shape " + Arrays.toString(s) + ")";
    }

    private static VisionConfig withHeads(VisionConfig v, int heads) {
        return new VisionConfig(v.imageSize(), v.layers(), v.width(), v.headWidth(), heads, v.patchSize(), v.mlpRatio());
    }

    private static int countLayers(Map<String, long[]> shapes, String prefix) {
        Set<String> ids = new HashSet<>();
        for (String k : shapes.keySet()) {
            if (k.startsWith(prefix)) ids.add(k.substring(prefix.length()).split("\\.")[0]);
        }
        if (ids.isEmpty()) throw new CheckpointException("cannot infer the architecture: no '" + prefix + "*' keys");
        return ids.size();
    }

    private static double mlpRatio(Shapes s, String key, int width) {
        long[] shape = s.shapes.get(key);
        return shape == null ? 4.0 : (double) shape[0] / width;
    }

    /** Shape lookups that name a missing key. */
    private record Shapes(Map<String, long[]> shapes) {
        long[] get(String key) {
            long[] s = shapes.get(key);
            if (s == null) throw new CheckpointException("cannot infer the architecture: key '" + key + "' is missing");
            return s;
        }
    }
}
