package dev.jclip.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        walk(module, declared, out, file);
        if (out.isEmpty()) throw new CheckpointException(file + ": the TorchScript module holds no tensors");
        return out;
    }

    /**
     * Depth-first like {@code state_dict()}: a module's own tensors, then each submodule's. Iterative, with an
     * explicit stack, so a crafted module nested a million deep cannot overflow the thread's stack.
     */
    private static void walk(PickleReader.ScriptObject root, Map<String, Set<String>> declared,
                             Map<String, PickleReader.TensorRef> out, Path file) {
        Set<PickleReader.ScriptObject> seen = new HashSet<>();
        ArrayDeque<Map.Entry<String, PickleReader.ScriptObject>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", root));
        while (!todo.isEmpty()) {
            Map.Entry<String, PickleReader.ScriptObject> next = todo.pop();
            String prefix = next.getKey();
            PickleReader.ScriptObject module = next.getValue();
            if (!seen.add(module)) continue; // a shared submodule appears once, as in state_dict's default
            if (!(module.state() instanceof Map<?, ?> state)) continue;
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
                    children.add(Map.entry(prefix + name + ".", child));
                }
            }
            for (int i = children.size() - 1; i >= 0; i--) todo.push(children.get(i)); // first child on top
        }
    }

    /**
     * Qualified class name to its declared parameter and buffer names, from the {@code code/} sources:
     * {@code code/__torch__/a/b.py} declares classes of module {@code __torch__.a.b}. Read line by line (no
     * regular expression over the whole text, whose backtracking was quadratic on crafted files): a line
     * {@code class Name(...} opens a class, an indented {@code __parameters__ = [...]} or
     * {@code __buffers__ = [...]} line lists its names.
     */
    static Map<String, Set<String>> declarations(TorchArchive archive) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String name : archive.list("code/")) {
            if (!name.endsWith(".py")) continue;
            String module = name.substring("code/".length(), name.length() - 3).replace('/', '.');
            String text = archive.readText(name);
            if (text == null) continue;
            String current = null;
            for (int start = 0, end; start < text.length(); start = end + 1) {
                end = text.indexOf('\n', start);
                if (end < 0) end = text.length();
                if (text.startsWith("class", start)) { // only candidate lines become strings
                    String className = className(text.substring(start, end));
                    if (className != null) current = module + "." + className;
                    continue;
                }
                int first = start;
                while (first < end && Character.isWhitespace(text.charAt(first))) first++;
                if (current == null || first == start || !text.startsWith("__", first)) continue;
                List<String> names = declaredNames(text.substring(first, end).strip());
                if (names != null) out.computeIfAbsent(current, k -> new HashSet<>()).addAll(names);
            }
        }
        return out;
    }

    /** {@code Name} of a line {@code class Name(...}, else null. */
    static String className(String line) {
        if (!line.startsWith("class")) return null;
        int i = "class".length();
        int n = line.length();
        if (i >= n || !Character.isWhitespace(line.charAt(i))) return null;
        while (i < n && Character.isWhitespace(line.charAt(i))) i++;
        int start = i;
        while (i < n && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_')) i++;
        int end = i;
        while (i < n && Character.isWhitespace(line.charAt(i))) i++;
        return end > start && i < n && line.charAt(i) == '(' ? line.substring(start, end) : null;
    }

    /** The quoted names of {@code __parameters__ = ["a", "b", ]} (or {@code __buffers__}), else null. */
    static List<String> declaredNames(String stripped) {
        String rest;
        if (stripped.startsWith("__parameters__")) {
            rest = stripped.substring("__parameters__".length());
        } else if (stripped.startsWith("__buffers__")) {
            rest = stripped.substring("__buffers__".length());
        } else {
            return null;
        }
        rest = rest.strip();
        if (!rest.startsWith("=")) return null;
        rest = rest.substring(1).strip();
        int close = rest.indexOf(']');
        if (!rest.startsWith("[") || close < 0) return null;
        List<String> names = new ArrayList<>();
        for (String item : rest.substring(1, close).split(",")) {
            String s = item.strip();
            if (s.length() >= 2 && (s.startsWith("\"") || s.startsWith("'"))) names.add(s.substring(1, s.length() - 1));
        }
        return names;
    }
}
