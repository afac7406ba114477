package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TorchScript archives ({@code torch.jit.save}; the format of OpenAI's released RN50.pt ... ViT-L-14-336px.pt).
 * The module tree is unpickled from {@code <top>/data.pkl} with its {@code __torch__} classes as opaque
 * {@link PickleReader.ScriptObject}s; walking their attribute states yields each tensor under its attribute path
 * ({@code visual.transformer.resblocks.0.attn.in_proj_weight}), which is the module's state-dict key.
 * <p>
 * A scripted module may also hold plain tensor attributes that are not part of its state dict (OpenAI's
 * {@code attn_mask}). The class declarations in {@code code/} list each class's {@code __parameters__} and
 * {@code __buffers__}; those lines are read as text (nothing is executed) and only listed names are kept.
 * A class without a declaration keeps all its tensors.
 */
public final class TorchScript {
    private static final Logger LOG = LoggerFactory.getLogger(TorchScript.class);
    private static final Pattern CLASS = Pattern.compile("^class\\s+(\\w+)\\s*\\(", Pattern.MULTILINE);
    private static final Pattern LIST = Pattern.compile("^\\s+__(parameters|buffers)__\\s*=\\s*\\[([^\\]]*)\\]", Pattern.MULTILINE);

    private TorchScript() {
    }

    /** The module's parameters and buffers keyed by attribute path, in stored types. */
    public static Map<String, INDArray> read(Path file) {
        try (TorchArchive archive = new TorchArchive(file)) {
            return TorchZip.materialize(archive, tensorRefs(archive, file));
        }
    }

    /** Names, element types and shapes (no tensor data is read). */
    public static Map<String, TensorInfo> readInfos(Path file) {
        try (TorchArchive archive = new TorchArchive(file)) {
            Map<String, TensorInfo> out = new LinkedHashMap<>();
            tensorRefs(archive, file).forEach((k, t) -> out.put(k, new TensorInfo(k, t.storage().type(), t.shape())));
            return out;
        }
    }

    static Map<String, PickleReader.TensorRef> tensorRefs(TorchArchive archive, Path file) {
        Object root = archive.readDataPickle(true);
        if (!(root instanceof PickleReader.ScriptObject module)) {
            throw new CheckpointException(file + ": TorchScript data.pkl does not hold a module");
        }
        Map<String, Set<String>> declared = declarations(archive);
        Map<String, PickleReader.TensorRef> out = new LinkedHashMap<>();
        walk(module, "", declared, out, new HashSet<>(), file);
        if (out.isEmpty()) throw new CheckpointException(file + ": the TorchScript module holds no tensors");
        return out;
    }

    /** Depth-first like {@code state_dict()}: a module's own tensors, then each submodule's. */
    private static void walk(PickleReader.ScriptObject module, String prefix, Map<String, Set<String>> declared,
                             Map<String, PickleReader.TensorRef> out, Set<PickleReader.ScriptObject> seen, Path file) {
        if (!seen.add(module)) return; // a shared submodule appears once, as in state_dict's default
        if (!(module.state() instanceof Map<?, ?> state)) return;
        Set<String> keep = declared.get(module.className());
        List<Map.Entry<String, PickleReader.ScriptObject>> children = new ArrayList<>();
        for (Map.Entry<?, ?> e : state.entrySet()) {
            if (!(e.getKey() instanceof String name)) continue;
            Object v = e.getValue();
            if (v instanceof PickleReader.TensorRef t) {
                if (keep == null || keep.contains(name)) {
                    out.put(prefix + name, t);
                } else {
                    LOG.debug("{}: skipping {}{} (a plain attribute of {}, not a parameter or buffer)", file, prefix, name,
                            module.className());
                }
            } else if (v instanceof PickleReader.ScriptObject child) {
                children.add(Map.entry(name, child));
            }
        }
        for (Map.Entry<String, PickleReader.ScriptObject> c : children) {
            walk(c.getValue(), prefix + c.getKey() + ".", declared, out, seen, file);
        }
    }

    /**
     * Qualified class name to its declared parameter and buffer names, from the {@code code/} sources:
     * {@code code/__torch__/a/b.py} declares classes of module {@code __torch__.a.b}.
     */
    static Map<String, Set<String>> declarations(TorchArchive archive) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String name : archive.list("code/")) {
            if (!name.endsWith(".py")) continue;
            String module = name.substring("code/".length(), name.length() - 3).replace('/', '.');
            String text = archive.readText(name);
            if (text == null) continue;
            Matcher cls = CLASS.matcher(text);
            List<int[]> spans = new ArrayList<>();
            List<String> names = new ArrayList<>();
            while (cls.find()) {
                spans.add(new int[]{cls.start()});
                names.add(cls.group(1));
            }
            for (int i = 0; i < names.size(); i++) {
                int end = i + 1 < spans.size() ? spans.get(i + 1)[0] : text.length();
                String body = text.substring(spans.get(i)[0], end);
                Matcher m = LIST.matcher(body);
                Set<String> keep = null;
                while (m.find()) {
                    if (keep == null) keep = new HashSet<>();
                    for (String item : m.group(2).split(",")) {
                        String s = item.trim();
                        if (s.length() >= 2 && (s.startsWith("\"") || s.startsWith("'"))) keep.add(s.substring(1, s.length() - 1));
                    }
                }
                if (keep != null) out.put(module + "." + names.get(i), keep);
            }
        }
        return out;
    }
}
