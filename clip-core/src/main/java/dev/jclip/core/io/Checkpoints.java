package dev.jclip.core.io;

import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One entry point for CLIP checkpoints in any supported format, recognised from the file's content, not its name:
 * safetensors (8-byte little-endian header length, then '{'), PyTorch zip ({@code torch.save}, "PK") and
 * TorchScript (a PyTorch zip with {@code constants.pkl} or {@code code/}). State dicts come back with OpenAI key
 * names: Hugging Face {@code CLIPModel} names are converted, {@code module.} prefixes (DistributedDataParallel)
 * stripped, open_clip's {@code {"state_dict": ...}} wrapper unwrapped, and the {@code input_resolution},
 * {@code context_length} and {@code vocab_size} buffers of OpenAI's JIT archives dropped (as build_model does),
 * and the optimiser tensors ({@code optimizer.*}) of clip-train's training checkpoints dropped, so a periodic
 * checkpoint loads as a model like the final weights do.
 */
public final class Checkpoints {

    /** A checkpoint file format. */
    public enum Format {
        SAFETENSORS, TORCH_ZIP, TORCHSCRIPT;

        /** The format an output file name asks for: {@code .safetensors}, or {@code .pt}/{@code .pth}/{@code .bin}. */
        public static Format forFileName(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".safetensors")) return SAFETENSORS;
            if (n.endsWith(".pt") || n.endsWith(".pth") || n.endsWith(".bin") || n.endsWith(".ckpt")) return TORCH_ZIP;
            throw new CheckpointException(file + ": cannot tell the format from the extension (use .safetensors or .pt)");
        }

        /** Parses a user's name for a format ({@code safetensors}, {@code pt}/{@code torch}). */
        public static Format parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "safetensors", "st" -> SAFETENSORS;
                case "pt", "pth", "torch", "torch_zip" -> TORCH_ZIP;
                default -> throw new IllegalArgumentException("unknown checkpoint format '" + name + "' (safetensors or pt)");
            };
        }
    }

    private Checkpoints() {
    }

    /** The file's format from its first bytes (and, for zips, its entry names). */
    public static Format detect(Path file) {
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (n >= 2 && head[0] == 'P' && head[1] == 'K') {
            try (TorchArchive archive = new TorchArchive(file)) {
                return archive.isTorchScript() ? Format.TORCHSCRIPT : Format.TORCH_ZIP;
            }
        }
        if (n == 9 && head[8] == '{') {
            // The header length is checked by SafeTensors, which explains a lying one better than "unknown format".
            return Format.SAFETENSORS;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new CheckpointException(file + ": a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch");
        }
        throw new CheckpointException(file + ": not a safetensors, PyTorch zip or TorchScript checkpoint");
    }

    /** The state dict with OpenAI key names, in file order, each tensor in its stored type. */
    public static Map<String, INDArray> readStateDict(Path file) {
        Map<String, INDArray> raw = switch (detect(file)) {
            case SAFETENSORS -> SafeTensors.read(file);
            case TORCH_ZIP -> TorchZip.read(file);
            case TORCHSCRIPT -> TorchScript.read(file);
        };
        return toOpenAiNames(raw, TensorOps.ARRAYS, file);
    }

    /**
     * The state dict with floating-point tensors cast to {@code floatType} (e.g. OpenAI's fp16 weights for an fp32
     * model); integer tensors such as {@code num_batches_tracked} keep their type.
     */
    public static Map<String, INDArray> readStateDict(Path file, DataType floatType) {
        Map<String, INDArray> state = readStateDict(file);
        state.replaceAll((k, v) -> v.dataType().isFPType() && v.dataType() != floatType ? v.castTo(floatType) : v);
        return state;
    }

    /** Names, element types and shapes with OpenAI key names, without reading tensor data. */
    public static Map<String, TensorInfo> inspect(Path file) {
        Map<String, TensorInfo> raw = new LinkedHashMap<>();
        switch (detect(file)) {
            case SAFETENSORS -> {
                try (SafeTensors.Reader r = SafeTensors.open(file)) {
                    r.entries().forEach((k, e) -> raw.put(k, new TensorInfo(k, e.type(), e.shape())));
                }
            }
            case TORCH_ZIP -> raw.putAll(TorchZip.readInfos(file));
            case TORCHSCRIPT -> raw.putAll(TorchScript.readInfos(file));
        }
        Map<String, TensorInfo> named = toOpenAiNames(raw, TensorOps.INFOS, file);
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        named.forEach((k, v) -> out.put(k, new TensorInfo(k, v.type(), v.shape())));
        return out;
    }

    /** OpenAI-named shapes, without reading tensor data. */
    public static Map<String, long[]> readShapes(Path file) {
        Map<String, long[]> out = new LinkedHashMap<>();
        inspect(file).forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    /**
     * The model config: the JSON under {@code __metadata__["config"]} of a safetensors file (checked against the
     * weights), otherwise the architecture inferred from the shapes.
     */
    public static ClipConfig readConfig(Path file) {
        Map<String, long[]> shapes = readShapes(file);
        ClipConfig given = readMetadataConfig(file);
        try {
            return ArchitectureInference.infer(shapes, given);
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    /** A safetensors file's {@code __metadata__} strings; empty for other formats, which carry none. */
    public static Map<String, String> readMetadata(Path file) {
        if (!java.nio.file.Files.isRegularFile(file) || detect(file) != Format.SAFETENSORS) return Map.of();
        try (SafeTensors.Reader r = SafeTensors.open(file)) {
            return Map.copyOf(r.metadata());
        }
    }

    /**
     * The config stored with the weights, or null when the file carries none: a safetensors file's metadata, or
     * the {@link TorchZip#CONFIG_ENTRY} entry of a {@code .pt} archive that {@link #write} wrote.
     */
    public static ClipConfig readMetadataConfig(Path file) {
        Format format = detect(file);
        String json;
        String where;
        if (format == Format.SAFETENSORS) {
            try (SafeTensors.Reader r = SafeTensors.open(file)) {
                json = r.metadata().get(SafeTensors.CONFIG_KEY);
            }
            where = file + " __metadata__.config";
        } else if (format == Format.TORCH_ZIP) {
            json = TorchZip.readConfigJson(file);
            where = file + "!" + TorchZip.CONFIG_ENTRY;
        } else {
            return null;
        }
        if (json == null) return null;
        try {
            return ClipConfig.parse(json, where);
        } catch (ConfigException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    /**
     * Writes a state dict (OpenAI names) in {@code format}; {@code config} (may be null) goes into safetensors
     * metadata or the {@code .pt} archive's {@link TorchZip#CONFIG_ENTRY}, so reading the file back builds the
     * same model. TorchScript cannot be written: it needs the model's code.
     */
    public static void write(Map<String, INDArray> state, ClipConfig config, Path file, Format format) {
        switch (format) {
            case SAFETENSORS -> {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("format", "pt");
                if (config != null) meta.put(SafeTensors.CONFIG_KEY, config.toJson());
                SafeTensors.write(state, meta, file);
            }
            case TORCH_ZIP -> TorchZip.write(state, config == null ? null : config.toJson(), file);
            case TORCHSCRIPT -> throw new CheckpointException(file + ": writing TorchScript is not supported (use safetensors or pt)");
        }
    }

    /** Int buffers of OpenAI's released JIT models that are not weights; OpenAI's build_model deletes them too. */
    private static final java.util.Set<String> OPENAI_JIT_EXTRAS = java.util.Set.of("input_resolution", "context_length", "vocab_size");

    /** Strips DDP's {@code module.} prefix, drops OpenAI's JIT-only int buffers and converts Hugging Face names. */
    /** Key prefix of the AdamW tensors in clip-train checkpoints (its CheckpointManager.OPTIMIZER_PREFIX). */
    private static final String TRAINING_OPTIMIZER_PREFIX = "optimizer.";

    static <T> Map<String, T> toOpenAiNames(Map<String, T> raw, TensorOps<T> ops, Path file) {
        Map<String, T> stripped = new LinkedHashMap<>();
        for (Map.Entry<String, T> e : raw.entrySet()) {
            String k = e.getKey().startsWith("module.") ? e.getKey().substring("module.".length()) : e.getKey();
            if (OPENAI_JIT_EXTRAS.contains(k)) continue;
            // AdamW moments of a clip-train checkpoint (optimizer.exp_avg.NAME, ...): not model weights
            if (k.startsWith(TRAINING_OPTIMIZER_PREFIX)) continue;
            if (stripped.put(k, e.getValue()) != null) throw new CheckpointException(file + ": key '" + k + "' appears twice once 'module.' is stripped");
        }
        if (!HuggingFaceNames.isHuggingFace(stripped.keySet())) return stripped;
        try {
            return HuggingFaceNames.toOpenAi(stripped, ops);
        } catch (CheckpointException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }
}
