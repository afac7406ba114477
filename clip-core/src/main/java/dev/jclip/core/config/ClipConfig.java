package dev.jclip.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CLIP architecture in open_clip's {@code model_configs} JSON schema:
 * <pre>{"embed_dim": 512, "quick_gelu": true,
 *  "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32},
 *  "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}</pre>
 * OpenAI's flat {@code build_model} form ({@code image_resolution}, {@code vision_layers}, ...) is read too.
 *
 * @param initLogitScale open_clip's {@code init_logit_scale}: the initial {@code logit_scale}; null for CLIP's ln(1/0.07)
 * @param initLogitBias  open_clip's {@code init_logit_bias}: when set the model has a learnable {@code logit_bias}
 *                       and trains with the sigmoid (SigLIP) loss; null for CLIP's softmax loss
 * @param objective      what the model is trained to do with captions (jclip's {@code "objective"}: absent for
 *                       contrastive); the bag-of-words and caption-LM objectives add their head's parameters
 */
public record ClipConfig(int embedDim, boolean quickGelu, VisionConfig vision, TextConfig text, Double initLogitScale,
                         Double initLogitBias, Objective objective) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ClipConfig {
        validate(embedDim, vision, text);
        if (initLogitScale != null && !Double.isFinite(initLogitScale)) throw new ConfigException("init_logit_scale must be finite");
        if (initLogitBias != null && !Double.isFinite(initLogitBias)) throw new ConfigException("init_logit_bias must be finite");
        if (objective == null) objective = Objective.CONTRASTIVE;
        if (objective.predictsCaption() && initLogitBias != null) {
            throw new ConfigException("init_logit_bias (SigLIP's sigmoid loss) is a contrastive loss; objective " + objective
                    + " predicts the caption instead");
        }
    }

    /** A contrastive model (softmax loss, or SigLIP's sigmoid loss when {@code initLogitBias} is set). */
    public ClipConfig(int embedDim, boolean quickGelu, VisionConfig vision, TextConfig text, Double initLogitScale,
                      Double initLogitBias) {
        this(embedDim, quickGelu, vision, text, initLogitScale, initLogitBias, Objective.CONTRASTIVE);
    }

    /** A CLIP (softmax-loss) architecture. */
    public ClipConfig(int embedDim, boolean quickGelu, VisionConfig vision, TextConfig text) {
        this(embedDim, quickGelu, vision, text, null, null);
    }

    /**
     * The same towers set up for the sigmoid loss as open_clip's {@code --siglip} does: {@code init_logit_scale}
     * ln 10 and {@code init_logit_bias} -10 (Zhai et al. 2023).
     */
    public ClipConfig withSiglip() {
        return new ClipConfig(embedDim, quickGelu, vision, text, Math.log(10), -10.0, objective);
    }

    /** The same towers trained with another objective ({@link Objective}). */
    public ClipConfig withObjective(Objective o) {
        return new ClipConfig(embedDim, quickGelu, vision, text, initLogitScale, initLogitBias, o);
    }

    /** The same model with the image tower's patch dropout set (open_clip's {@code --force-patch-dropout}). */
    public ClipConfig withPatchDropout(double fraction) {
        if (vision.isResNet() && fraction > 0) throw new ConfigException("patch dropout needs a ViT image tower, not a ResNet");
        return new ClipConfig(embedDim, quickGelu, vision.withPatchDropout(fraction), text, initLogitScale, initLogitBias, objective);
    }

    /** True when the model has a {@code logit_bias} and trains with the sigmoid loss. */
    public boolean isSiglip() {
        return initLogitBias != null;
    }

    /** A preset name ({@code ViT-B-32}, {@code RN50}, {@code ViT-tiny}, ...) or a path to a JSON file. */
    public static ClipConfig load(String nameOrPath) {
        Path path = Path.of(nameOrPath);
        if (nameOrPath.endsWith(".json") || Files.isRegularFile(path)) {
            if (!Files.isRegularFile(path)) throw new ConfigException("model config file not found: " + path);
            try {
                return parse(Files.readString(path), path.toString());
            } catch (IOException e) {
                throw new ConfigException("cannot read model config " + path + ": " + e.getMessage(), e);
            }
        }
        return preset(nameOrPath);
    }

    /** A built-in preset by name. */
    public static ClipConfig preset(String name) {
        try (InputStream in = ClipConfig.class.getResourceAsStream("/dev/jclip/core/model_configs/" + name + ".json")) {
            if (in == null) {
                throw new ConfigException("unknown model '" + name + "': not a preset (" + String.join(", ", presetNames())
                        + ") and not a JSON file");
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "preset " + name);
        } catch (IOException e) {
            throw new ConfigException("cannot read preset " + name, e);
        }
    }

    /** Names of the built-in presets. */
    public static List<String> presetNames() {
        return List.of("ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "RN50", "RN101", "RN50x4", "RN50x16",
                "RN50x64", "ViT-tiny", "RN-tiny", "ViT-medium", "ViT-demo", "ViT-demo-32", "ViT-demo-32-wide", "RN-demo");
    }

    /** Parses JSON text; {@code source} names the file or preset in error messages. */
    public static ClipConfig parse(String json, String source) {
        JsonNode root = JsonObjects.parse(json, source);
        if (root.has("model_cfg") && root.get("model_cfg").isObject()) root = root.get("model_cfg");
        if (root.has("image_resolution") || root.has("vision_layers")) return fromOpenAi(root, source);
        Fields top = new Fields(root, source);
        Fields v = top.object("vision_cfg");
        Fields t = top.object("text_cfg");
        int[] layers = v.intOrList("layers");
        int patch = layers.length == 4 ? v.optInt("patch_size", 0) : v.optInt("patch_size", 16);
        VisionConfig vision;
        try {
            vision = new VisionConfig(v.optInt("image_size", 224), layers, v.optInt("width", 768),
                    v.optInt("head_width", 64), v.optInt("heads", 0), patch, v.optDouble("mlp_ratio", 4.0),
                    v.optDouble("patch_dropout", 0));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
        TextConfig text = new TextConfig(t.optInt("context_length", 77), t.optInt("vocab_size", 49408),
                t.optInt("width", 512), t.optInt("heads", 8), t.optInt("layers", 12), t.optDouble("mlp_ratio", 4.0));
        ClipConfig c = build(top.requiredInt("embed_dim"), top.optBool("quick_gelu", false), vision, text, source);
        Double scale = top.optDoubleOrNull("init_logit_scale"), bias = top.optDoubleOrNull("init_logit_bias");
        String objective = top.optString("objective");
        if (scale == null && bias == null && objective == null) return c;
        try {
            return new ClipConfig(c.embedDim, c.quickGelu, c.vision, c.text, scale, bias,
                    objective == null ? Objective.CONTRASTIVE : Objective.parse(objective));
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
    }

    private static ClipConfig fromOpenAi(JsonNode root, String source) {
        Fields f = new Fields(root, source);
        int[] layers = f.intOrList("vision_layers");
        boolean resnet = layers.length == 4 || "ModifiedResNet".equals(root.path("vision_type").asText(null));
        int width = f.requiredInt("vision_width");
        int heads = f.optInt("vision_heads", 0);
        VisionConfig vision = new VisionConfig(f.requiredInt("image_resolution"), layers, width, 64, heads,
                resnet ? 0 : f.requiredInt("vision_patch_size"), 4.0);
        TextConfig text = new TextConfig(f.optInt("context_length", 77), f.optInt("vocab_size", 49408),
                f.requiredInt("transformer_width"), f.optInt("transformer_heads", 8), f.requiredInt("transformer_layers"), 4.0);
        boolean quick = !root.has("act") || "QuickGELU".equalsIgnoreCase(root.get("act").asText());
        return build(f.requiredInt("embed_dim"), quick, vision, text, source);
    }

    private static ClipConfig build(int embed, boolean quick, VisionConfig v, TextConfig t, String source) {
        try {
            return new ClipConfig(embed, quick, v, t);
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage());
        }
    }

    private static void validate(int embedDim, VisionConfig v, TextConfig t) {
        positive("embed_dim", embedDim);
        positive("vision_cfg.image_size", v.imageSize());
        positive("vision_cfg.width", v.width());
        positive("vision_cfg.head_width", v.headWidth());
        if (v.layers().length != 1 && v.layers().length != 4) {
            throw new ConfigException("vision_cfg.layers must be a number (ViT) or a list of 4 (ResNet), got "
                    + v.layers().length + " entries");
        }
        for (int l : v.layers()) positive("vision_cfg.layers", l);
        if (v.isResNet()) {
            if (v.patchDropout() > 0) throw new ConfigException("vision_cfg.patch_dropout needs a ViT, not a ResNet");
            if (v.layers().length != 4) throw new ConfigException("vision_cfg.patch_size is required for a ViT");
            if (v.imageSize() % 32 != 0) {
                throw new ConfigException("vision_cfg.image_size must be a multiple of 32 for a ResNet, got " + v.imageSize());
            }
            if (v.resnetOutputWidth() % v.resolvedHeads() != 0) {
                throw new ConfigException("vision_cfg: attention-pool width " + v.resnetOutputWidth()
                        + " is not divisible by " + v.resolvedHeads() + " heads");
            }
        } else {
            if (v.layers().length != 1) throw new ConfigException("vision_cfg.patch_size must be absent for a ResNet (layers is a list of 4)");
            positive("vision_cfg.patch_size", v.patchSize());
            if (v.imageSize() % v.patchSize() != 0) {
                throw new ConfigException("vision_cfg.image_size " + v.imageSize() + " is not a multiple of patch_size " + v.patchSize());
            }
            if (v.resolvedHeads() <= 0 || v.width() % v.resolvedHeads() != 0) {
                throw new ConfigException("vision_cfg.width " + v.width() + " is not divisible into "
                        + v.resolvedHeads() + " heads (head_width " + v.headWidth() + ")");
            }
        }
        if (v.mlpRatio() <= 0) throw new ConfigException("vision_cfg.mlp_ratio must be positive");
        positive("text_cfg.context_length", t.contextLength());
        positive("text_cfg.vocab_size", t.vocabSize());
        positive("text_cfg.width", t.width());
        positive("text_cfg.heads", t.heads());
        positive("text_cfg.layers", t.layers());
        if (t.width() % t.heads() != 0) {
            throw new ConfigException("text_cfg.width " + t.width() + " is not divisible by text_cfg.heads " + t.heads());
        }
    }

    private static void positive(String field, int value) {
        if (value <= 0) throw new ConfigException(field + " must be positive, got " + value);
    }

    /** The config as open_clip's JSON schema (the form written into checkpoints' metadata). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("embed_dim", embedDim);
        if (quickGelu) root.put("quick_gelu", true);
        ObjectNode v = root.putObject("vision_cfg");
        v.put("image_size", vision.imageSize());
        if (vision.isResNet()) {
            ArrayNode a = v.putArray("layers");
            for (int l : vision.layers()) a.add(l);
        } else {
            v.put("layers", vision.layers()[0]);
        }
        v.put("width", vision.width());
        v.put("head_width", vision.headWidth());
        if (vision.heads() > 0) v.put("heads", vision.heads());
        if (!vision.isResNet()) v.put("patch_size", vision.patchSize());
        if (vision.mlpRatio() != 4.0) v.put("mlp_ratio", vision.mlpRatio());
        if (vision.patchDropout() > 0) v.put("patch_dropout", vision.patchDropout());
        ObjectNode t = root.putObject("text_cfg");
        t.put("context_length", text.contextLength());
        t.put("vocab_size", text.vocabSize());
        t.put("width", text.width());
        t.put("heads", text.heads());
        t.put("layers", text.layers());
        if (text.mlpRatio() != 4.0) t.put("mlp_ratio", text.mlpRatio());
        if (initLogitScale != null) root.put("init_logit_scale", initLogitScale);
        if (initLogitBias != null) root.put("init_logit_bias", initLogitBias);
        if (objective.predictsCaption()) root.put("objective", objective.id());
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads typed fields from a JSON object, naming the field in every error. */
    private static final class Fields {
        private final JsonNode node;
        private final String where;

        Fields(JsonNode node, String where) {
            this.node = node;
            this.where = where;
        }

        Fields object(String name) {
            JsonNode n = node.get(name);
            if (n == null || !n.isObject()) throw new ConfigException(where + ": missing object field '" + name + "'");
            return new Fields(n, where + ": " + name);
        }

        int requiredInt(String name) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) throw new ConfigException(where + ": missing field '" + name + "'");
            return asInt(name, n);
        }

        int optInt(String name, int dflt) {
            JsonNode n = node.get(name);
            return n == null || n.isNull() ? dflt : asInt(name, n);
        }

        double optDouble(String name, double dflt) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return dflt;
            if (!n.isNumber()) throw new ConfigException(where + ": field '" + name + "' must be a number, got " + n);
            return n.asDouble();
        }

        Double optDoubleOrNull(String name) {
            JsonNode n = node.get(name);
            return n == null || n.isNull() ? null : optDouble(name, 0);
        }

        String optString(String name) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return null;
            if (!n.isTextual()) throw new ConfigException(where + ": field '" + name + "' must be a string, got " + n);
            return n.asText();
        }

        boolean optBool(String name, boolean dflt) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) return dflt;
            if (!n.isBoolean()) throw new ConfigException(where + ": field '" + name + "' must be true or false, got " + n);
            return n.asBoolean();
        }

        int[] intOrList(String name) {
            JsonNode n = node.get(name);
            if (n == null || n.isNull()) throw new ConfigException(where + ": missing field '" + name + "'");
            if (n.isArray()) {
                List<Integer> out = new ArrayList<>();
                for (JsonNode e : n) out.add(asInt(name, e));
                return out.stream().mapToInt(Integer::intValue).toArray();
            }
            return new int[]{asInt(name, n)};
        }

        private int asInt(String name, JsonNode n) {
            if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
                throw new ConfigException(where + ": field '" + name + "' must be an integer, got " + n);
            }
            return n.asInt();
        }
    }
}
