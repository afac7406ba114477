package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.TextConfig;
import dev.jclip.core.config.VisionConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-dict key set and shapes of OpenAI's CLIP (clip/model.py) for a config, written out from the module
 * definitions, independently of {@link ArchitectureInference}.
 */
final class OpenAiShapes {
    private OpenAiShapes() {
    }

    static Map<String, long[]> of(ClipConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        TextConfig t = c.text();
        m.put("positional_embedding", new long[]{t.contextLength(), t.width()});
        m.put("text_projection", new long[]{t.width(), c.embedDim()});
        m.put("logit_scale", new long[0]);
        VisionConfig v = c.vision();
        if (v.isResNet()) {
            resnet(m, v, c.embedDim());
        } else {
            long w = v.width();
            m.put("visual.class_embedding", new long[]{w});
            m.put("visual.positional_embedding", new long[]{(long) v.gridSize() * v.gridSize() + 1, w});
            m.put("visual.proj", new long[]{w, c.embedDim()});
            m.put("visual.conv1.weight", new long[]{w, 3, v.patchSize(), v.patchSize()});
            norm(m, "visual.ln_pre", w);
            for (int i = 0; i < v.layers()[0]; i++) block(m, "visual.transformer.resblocks." + i + ".", w, (long) (w * v.mlpRatio()));
            norm(m, "visual.ln_post", w);
        }
        for (int i = 0; i < t.layers(); i++) block(m, "transformer.resblocks." + i + ".", t.width(), (long) (t.width() * t.mlpRatio()));
        m.put("token_embedding.weight", new long[]{t.vocabSize(), t.width()});
        norm(m, "ln_final", t.width());
        return m;
    }

    private static void block(Map<String, long[]> m, String p, long d, long hidden) {
        m.put(p + "attn.in_proj_weight", new long[]{3 * d, d});
        m.put(p + "attn.in_proj_bias", new long[]{3 * d});
        m.put(p + "attn.out_proj.weight", new long[]{d, d});
        m.put(p + "attn.out_proj.bias", new long[]{d});
        norm(m, p + "ln_1", d);
        m.put(p + "mlp.c_fc.weight", new long[]{hidden, d});
        m.put(p + "mlp.c_fc.bias", new long[]{hidden});
        m.put(p + "mlp.c_proj.weight", new long[]{d, hidden});
        m.put(p + "mlp.c_proj.bias", new long[]{d});
        norm(m, p + "ln_2", d);
    }

    private static void resnet(Map<String, long[]> m, VisionConfig v, long embed) {
        long w = v.width();
        m.put("visual.conv1.weight", new long[]{w / 2, 3, 3, 3});
        bn(m, "visual.bn1", w / 2);
        m.put("visual.conv2.weight", new long[]{w / 2, w / 2, 3, 3});
        bn(m, "visual.bn2", w / 2);
        m.put("visual.conv3.weight", new long[]{w, w / 2, 3, 3});
        bn(m, "visual.bn3", w);
        long inplanes = w;
        for (int stage = 0; stage < 4; stage++) {
            long planes = w << stage;
            for (int b = 0; b < v.layers()[stage]; b++) {
                String p = "visual.layer" + (stage + 1) + "." + b + ".";
                m.put(p + "conv1.weight", new long[]{planes, inplanes, 1, 1});
                bn(m, p + "bn1", planes);
                m.put(p + "conv2.weight", new long[]{planes, planes, 3, 3});
                bn(m, p + "bn2", planes);
                m.put(p + "conv3.weight", new long[]{planes * 4, planes, 1, 1});
                bn(m, p + "bn3", planes * 4);
                if (b == 0) { // stride 2 or a width change: OpenAI's Bottleneck adds a downsample branch
                    m.put(p + "downsample.0.weight", new long[]{planes * 4, inplanes, 1, 1});
                    bn(m, p + "downsample.1", planes * 4);
                }
                inplanes = planes * 4;
            }
        }
        long d = w * 32;
        long side = v.imageSize() / 32;
        m.put("visual.attnpool.positional_embedding", new long[]{side * side + 1, d});
        for (String proj : new String[]{"k_proj", "q_proj", "v_proj"}) {
            m.put("visual.attnpool." + proj + ".weight", new long[]{d, d});
            m.put("visual.attnpool." + proj + ".bias", new long[]{d});
        }
        m.put("visual.attnpool.c_proj.weight", new long[]{embed, d});
        m.put("visual.attnpool.c_proj.bias", new long[]{embed});
    }

    private static void norm(Map<String, long[]> m, String p, long d) {
        m.put(p + ".weight", new long[]{d});
        m.put(p + ".bias", new long[]{d});
    }

    private static void bn(Map<String, long[]> m, String p, long d) {
        norm(m, p, d);
        m.put(p + ".running_mean", new long[]{d});
        m.put(p + ".running_var", new long[]{d});
        m.put(p + ".num_batches_tracked", new long[0]);
    }
}
