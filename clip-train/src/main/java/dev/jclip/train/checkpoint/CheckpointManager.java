package dev.jclip.train.checkpoint;

import dev.jclip.core.io.AtomicFile;
import dev.jclip.core.io.CheckpointException;
import dev.jclip.core.io.Checkpoints;
import dev.jclip.data.image.PreprocessConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes and finds training checkpoints in one folder. Each checkpoint is a single tensor file
 * {@code step-NNNNNNNN.safetensors}: the model's state dict under its own key names, the optimiser's tensors
 * under {@code optimizer.}, and the training state and configs as metadata strings. A checkpoint is written to
 * a hidden temporary name, flushed to disk and renamed atomically, so a crash never leaves a partial file under
 * a checkpoint name; only the newest {@code keepLast} are kept.
 */
public final class CheckpointManager {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointManager.class);
    private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.safetensors");
    static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String META_FORMAT = "jclip.format";
    static final String FORMAT = "jclip-train-checkpoint-1";
    static final String META_STATE = "jclip.training_state";
    static final String META_TRAIN_CONFIG = "jclip.train_config";
    static final String META_PREPROCESS = PreprocessConfig.METADATA_KEY;
    static final String META_NUMERICS = "jclip.numerics";
    static final String META_LOSS_GUARD = "jclip.loss_guard";
    /** The model config under the key the fixtures and the model loader read. */
    static final String META_MODEL_CONFIG = dev.jclip.core.io.SafeTensors.CONFIG_KEY;

    private final Path dir;
    private final int keepLast;
    private final TensorFile io;

    /**
     * @param keepLast how many of the newest checkpoints to keep; 0 or less keeps all
     */
    public CheckpointManager(Path dir, int keepLast, TensorFile io) {
        this.dir = dir;
        this.keepLast = keepLast;
        this.io = io;
    }

    public Path directory() {
        return dir;
    }

    /** The file name used for the checkpoint after {@code step} steps. */
    public Path pathFor(long step) {
        return dir.resolve(String.format("step-%08d.safetensors", step));
    }

    /** Metadata written into every checkpoint besides the training state (the run's vocabulary). */
    private final Map<String, String> carried = new LinkedHashMap<>();

    /** Adds {@code key = value} to the metadata of every checkpoint saved from now on. */
    public void carry(String key, String value) {
        carried.put(key, value);
    }

    /** Writes a checkpoint atomically, then deletes the oldest beyond {@code keepLast}. Returns its path. */
    public Path save(Checkpoint c) throws IOException {
        Files.createDirectories(dir);
        Map<String, INDArray> tensors = new LinkedHashMap<>(c.model());
        for (Map.Entry<String, INDArray> e : c.optimizer().entrySet()) {
            String key = OPTIMIZER_PREFIX + e.getKey();
            if (tensors.containsKey(key)) throw new IllegalArgumentException("model key clashes with optimizer key " + key);
            tensors.put(key, e.getValue());
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_FORMAT, FORMAT);
        meta.put(META_STATE, c.state().toJson());
        if (c.trainConfigJson() != null) meta.put(META_TRAIN_CONFIG, c.trainConfigJson());
        if (c.modelConfigJson() != null) meta.put(META_MODEL_CONFIG, c.modelConfigJson());
        if (c.preprocessJson() != null) meta.put(META_PREPROCESS, c.preprocessJson());
        meta.putAll(carried);
        if (c.numericsJson() != null) meta.put(META_NUMERICS, c.numericsJson());
        if (c.lossGuardJson() != null) meta.put(META_LOSS_GUARD, c.lossGuardJson());
        Path target = pathFor(c.state().step());
        writeAtomically(io, target, tensors, meta);
        prune();
        return target;
    }

    /** Checkpoints present, oldest first (temporary files are not checkpoints). */
    public List<Path> list() throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> NAME.matcher(p.getFileName().toString()).matches()).forEach(out::add);
        }
        out.sort((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        return out;
    }

    public Optional<Path> latest() throws IOException {
        List<Path> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** {@code latest} (the newest checkpoint here) or a path to a checkpoint file; errors say what was looked for. */
    public Path resolve(String spec) throws IOException {
        if (spec.equals("latest")) {
            return latest().orElseThrow(() -> new NoSuchFileException(dir.toString(), null,
                    "--resume latest: no checkpoint (step-*.safetensors) in this folder"));
        }
        Path p = Path.of(spec);
        if (!Files.isRegularFile(p)) throw new NoSuchFileException(p.toString(), null, "checkpoint file not found");
        return p;
    }

    /** Reads a checkpoint written by {@link #save}; a file of another kind is an error naming it. */
    public static Checkpoint load(Path path, TensorFile io) throws IOException {
        TensorFile.Contents contents = io.read(path);
        Map<String, String> meta = contents.metadata();
        if (!FORMAT.equals(meta.get(META_FORMAT)) || !meta.containsKey(META_STATE)) {
            throw new IOException(path + ": not a jclip training checkpoint (metadata '" + META_FORMAT + "' is "
                    + meta.get(META_FORMAT) + "); use --init to start from plain model weights");
        }
        Map<String, INDArray> model = new LinkedHashMap<>();
        Map<String, INDArray> optimizer = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : contents.tensors().entrySet()) {
            if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                optimizer.put(e.getKey().substring(OPTIMIZER_PREFIX.length()), e.getValue());
            } else {
                model.put(e.getKey(), e.getValue());
            }
        }
        TrainingState state = TrainingState.fromJson(meta.get(META_STATE), path.toString());
        return new Checkpoint(model, optimizer, state, meta.get(META_TRAIN_CONFIG), meta.get(META_MODEL_CONFIG),
                meta.get(META_PREPROCESS),
                meta.get(META_NUMERICS), meta.get(META_LOSS_GUARD));
    }

    /**
     * Model weights for {@code --init}: from a training checkpoint (optimiser entries dropped) or any state dict
     * clip-core reads (safetensors, PyTorch zip, TorchScript; OpenAI or Hugging Face key names).
     */
    public static Map<String, INDArray> loadWeights(Path path) throws IOException {
        Map<String, INDArray> model = new LinkedHashMap<>();
        try {
            Checkpoints.readStateDict(path).forEach((k, v) -> {
                if (!k.startsWith(OPTIMIZER_PREFIX)) model.put(k, v);
            });
        } catch (CheckpointException e) {
            throw new IOException(e.getMessage(), e);
        }
        return model;
    }

    /** Writes to a hidden temporary file beside {@code target}, then renames it over {@code target}. */
    public static void writeAtomically(TensorFile io, Path target, Map<String, INDArray> tensors,
                                       Map<String, String> metadata) throws IOException {
        AtomicFile.write(target, tmp -> io.write(tmp, tensors, metadata));
    }

    private void prune() throws IOException {
        if (keepLast <= 0) return;
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            LOG.debug("deleting old checkpoint {}", all.get(i));
            Files.deleteIfExists(all.get(i));
        }
    }

    private static long stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }
}
