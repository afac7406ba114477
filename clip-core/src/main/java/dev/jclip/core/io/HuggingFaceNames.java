package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames between Hugging Face {@code CLIPModel} state dicts and OpenAI's, for ViT models. Besides names, two
 * things differ: attention projections are separate {@code q_proj}/{@code k_proj}/{@code v_proj} in Hugging Face
 * and one stacked {@code in_proj_weight} (rows q, k, v) in OpenAI; and the final projections are
 * {@code nn.Linear} weights ({@code [embed, width]}) in Hugging Face but {@code [width, embed]} matrices in OpenAI.
 * Hugging Face's {@code position_ids} buffers (an arange) are dropped on import and not written on export.
 */
public final class HuggingFaceNames {
    private static final Pattern HF_LAYER = Pattern.compile("(vision_model|text_model)\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern OPENAI_LAYER = Pattern.compile("(visual\\.transformer|transformer)\\.resblocks\\.(\\d+)\\.(.+)");
    private static final String[] QKV = {"q_proj", "k_proj", "v_proj"};

    /** Whole-tensor renames outside the transformer layers: OpenAI name, Hugging Face name. */
    private static final String[][] TOP = {
            {"visual.class_embedding", "vision_model.embeddings.class_embedding"},
            {"visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"},
            {"visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"},
            {"visual.ln_pre.weight", "vision_model.pre_layrnorm.weight"},
            {"visual.ln_pre.bias", "vision_model.pre_layrnorm.bias"},
            {"visual.ln_post.weight", "vision_model.post_layernorm.weight"},
            {"visual.ln_post.bias", "vision_model.post_layernorm.bias"},
            {"token_embedding.weight", "text_model.embeddings.token_embedding.weight"},
            {"positional_embedding", "text_model.embeddings.position_embedding.weight"},
            {"ln_final.weight", "text_model.final_layer_norm.weight"},
            {"ln_final.bias", "text_model.final_layer_norm.bias"},
            {"logit_scale", "logit_scale"},
    };
    /** Transposed projections: OpenAI name, Hugging Face name. */
    private static final String[][] PROJECTIONS = {
            {"visual.proj", "visual_projection.weight"},
            {"text_projection", "text_projection.weight"},
    };
    /** Per-layer suffix renames: OpenAI, Hugging Face. */
    private static final String[][] LAYER = {
            {"attn.out_proj.weight", "self_attn.out_proj.weight"},
            {"attn.out_proj.bias", "self_attn.out_proj.bias"},
            {"ln_1.weight", "layer_norm1.weight"},
            {"ln_1.bias", "layer_norm1.bias"},
            {"ln_2.weight", "layer_norm2.weight"},
            {"ln_2.bias", "layer_norm2.bias"},
            {"mlp.c_fc.weight", "mlp.fc1.weight"},
            {"mlp.c_fc.bias", "mlp.fc1.bias"},
            {"mlp.c_proj.weight", "mlp.fc2.weight"},
            {"mlp.c_proj.bias", "mlp.fc2.bias"},
    };

    private HuggingFaceNames() {
    }

    /** True when the keys look like a Hugging Face CLIPModel state dict. */
    public static boolean isHuggingFace(Collection<String> keys) {
        for (String k : keys) {
            if (k.startsWith("vision_model.") || k.startsWith("text_model.") || k.equals("visual_projection.weight")) return true;
        }
        return false;
    }

    /** Hugging Face {@code CLIPModel} tensors to OpenAI names (q/k/v joined, projections transposed). */
    public static Map<String, INDArray> toOpenAi(Map<String, INDArray> hf) {
        return toOpenAi(hf, TensorOps.ARRAYS);
    }

    /** OpenAI tensors (ViT only) to Hugging Face {@code CLIPModel} names (in_proj split, projections transposed). */
    public static Map<String, INDArray> fromOpenAi(Map<String, INDArray> openai) {
        return fromOpenAi(openai, TensorOps.ARRAYS);
    }

    /**
     * Renames a top-level tensor (embeddings, final norms, logit scale) or a projection, transposed as the other side
     * stores it; {@code from} is the column of the name tables {@code k} is in. False when {@code k} is neither.
     */
    private static <T> boolean putTopLevel(Map<String, T> out, String k, T value, int from, TensorOps<T> ops) {
        String top = lookup(TOP, from, k);
        if (top != null) {
            out.put(top, value);
            return true;
        }
        String proj = lookup(PROJECTIONS, from, k);
        if (proj == null) return false;
        out.put(proj, ops.transpose(value));
        return true;
    }

    static <T> Map<String, T> toOpenAi(Map<String, T> hf, TensorOps<T> ops) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, T> e : hf.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("embeddings.position_ids")) continue;
            if (putTopLevel(out, k, e.getValue(), 1, ops)) continue;
            Matcher m = HF_LAYER.matcher(k);
            if (!m.matches()) throw new CheckpointException("unknown Hugging Face CLIP key '" + k + "'");
            String prefix = (m.group(1).equals("vision_model") ? "visual.transformer" : "transformer") + ".resblocks." + m.group(2) + ".";
            String hfLayer = m.group(1) + ".encoder.layers." + m.group(2) + ".";
            String suffix = m.group(3);
            String renamed = lookup(LAYER, 1, suffix);
            if (renamed != null) {
                out.put(prefix + renamed, e.getValue());
            } else if (suffix.matches("self_attn\\.[qkv]_proj\\.(weight|bias)")) {
                String kind = suffix.substring(suffix.lastIndexOf('.') + 1);
                String target = prefix + "attn.in_proj_" + kind;
                if (out.containsKey(target)) continue; // joined when its q part was met
                List<T> parts = new ArrayList<>();
                for (String p : QKV) {
                    String name = hfLayer + "self_attn." + p + "." + kind;
                    T part = hf.get(name);
                    if (part == null) throw new CheckpointException("Hugging Face CLIP key '" + name + "' is missing (needed with '" + k + "')");
                    parts.add(part);
                }
                out.put(target, ops.concatRows(parts));
            } else {
                throw new CheckpointException("unknown Hugging Face CLIP key '" + k + "'");
            }
        }
        return out;
    }

    static <T> Map<String, T> fromOpenAi(Map<String, T> openai, TensorOps<T> ops) {
        if (!openai.containsKey("visual.proj") && openai.keySet().stream().anyMatch(k -> k.startsWith("visual."))) {
            throw new CheckpointException("a ResNet vision tower (no 'visual.proj') has no Hugging Face CLIPModel names: only ViT models convert");
        }
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, T> e : openai.entrySet()) {
            String k = e.getKey();
            if (putTopLevel(out, k, e.getValue(), 0, ops)) continue;
            Matcher m = OPENAI_LAYER.matcher(k);
            if (!m.matches()) {
                throw new CheckpointException("OpenAI key '" + k + "' has no Hugging Face CLIPModel name");
            }
            String prefix = (m.group(1).equals("visual.transformer") ? "vision_model" : "text_model") + ".encoder.layers." + m.group(2) + ".";
            String suffix = m.group(3);
            String renamed = lookup(LAYER, 0, suffix);
            if (renamed != null) {
                out.put(prefix + renamed, e.getValue());
            } else if (suffix.equals("attn.in_proj_weight") || suffix.equals("attn.in_proj_bias")) {
                String kind = suffix.endsWith("weight") ? "weight" : "bias";
                if (ops.rows(e.getValue()) % 3 != 0) throw new CheckpointException("'" + k + "' has a first dimension not divisible by 3");
                List<T> parts = ops.splitRows(e.getValue(), 3);
                for (int i = 0; i < 3; i++) out.put(prefix + "self_attn." + QKV[i] + "." + kind, parts.get(i));
            } else {
                throw new CheckpointException("OpenAI key '" + k + "' has no Hugging Face CLIPModel name");
            }
        }
        return out;
    }

    private static String lookup(String[][] table, int from, String key) {
        for (String[] row : table) if (row[from].equals(key)) return row[1 - from];
        return null;
    }
}
