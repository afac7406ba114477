package dev.jclip.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.JsonObjects;
import dev.jclip.core.model.ConcurrentTowers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Every setting of a training run, grouped by concern: {@link #model()}, {@link #data()},
 * {@link #optimisation()}, {@link #schedule()}, {@link #checkpointing()}, {@link #evaluation()},
 * {@link #runtime()}. Each option is declared once, in {@link TrainOption#ALL}; its name is the same in JSON
 * (a {@code --config} file, a run's {@code config.json}, a checkpoint's metadata), on the command line and in
 * {@link Builder#set}. An unknown name is refused with the valid ones.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.builder().model("ViT-tiny").trainData("shards/{0000..0003}.tar").vocab("vocab.txt.gz")
 *         .batchSize(32).steps(4).lr(1e-3).warmup(1).output("run").build();
 * }</pre>
 *
 * The config remembers which options were set explicitly (by a builder setter, {@link Builder#set}, or a JSON
 * file read with {@link #load}), as opposed to defaults and values {@link #restore restored} from a saved run:
 * the {@link Trainer} refuses an explicit option that the chosen path would ignore.
 */
public final class TrainConfig {
    /**
     * Version of the JSON form, written as {@code "schema-version"}. 1: the flat option map main wrote before the
     * key existed (read unchanged); 2: the same names plus the version.
     */
    public static final int SCHEMA_VERSION = 2;
    static final String VERSION_KEY = "schema-version";

    /**
     * What is trained: architecture, numeric precision, starting weights, frozen towers, and open_clip's model-side
     * recipes (the sigmoid loss).
     */
    public record Model(String name, String precision, String init, boolean lockImage, boolean lockText,
                        boolean siglip, int lockImageUnlockedGroups, boolean lockImageFreezeBnStats,
                        int lockTextUnlockedLayers, boolean lockTextFreezeLayerNorm, Double forcePatchDropout,
                        boolean gradCheckpointing, String objective) {
    }

    /**
     * What it is trained on: the pairs, their tokenizer, the global batch and the decoding threads; how shards
     * are drawn and how long an epoch is; the image normalisation and the training augmentation; the sample order
     * of a distributed run.
     */
    public record Data(String trainData, String vocab, int batchSize, int workers, String alphaBackground,
                       boolean datasetResampled, long trainNumSamples, String upsamplingFactors, String imageMean,
                       String imageStd, String augCfg, String dataOrder) {
    }

    /**
     * AdamW and the gradient: null betas and epsilon take the tower's defaults ({@link Trainer#hyper}); how a
     * distributed run sums its ranks' gradients, and how many ranks' arithmetic one process reproduces.
     */
    public record Optimisation(int accumFreq, double lr, Double beta1, Double beta2, Double eps, double wd,
                               boolean decayAll, double gradClipNorm, int bnGhostBatch, String gradientSum, int rankSlices) {
    }

    /** How long and at which learning rate. */
    public record Schedule(int epochs, long steps, long warmup, String lrScheduler, long lrCooldownSteps,
                           double lrCooldownPower, double lrCooldownEnd) {
    }

    /** The run folder and its checkpoints. */
    public record Checkpointing(String output, String resume, long every, int keep, boolean allowNumericsChange) {
    }

    /**
     * When the evaluation hooks run (every N steps; every N epochs for validation and zero-shot) and their inputs.
     */
    public record Evaluation(long every, String zeroshotDataset, String zeroshotTemplates, int zeroshotLimit,
                             String valData, int valFrequency, int zeroshotFrequency) {
    }

    /** Randomness, threads and logging. */
    public record Runtime(long seed, int threads, String concurrentTowers, int logEvery, double lossSpikeFactor, String reportTo) {
        /** Whether {@code report-to} names TensorBoard. */
        public boolean tensorboard() {
            return List.of(reportTo.split(",")).stream().map(String::strip).anyMatch("tensorboard"::equals);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> values;   // every option, by name, converted to its type
    private final Set<String> explicit;
    private final Model model;
    private final Data data;
    private final Optimisation optimisation;
    private final Schedule schedule;
    private final Checkpointing checkpointing;
    private final Evaluation evaluation;
    private final Runtime runtime;

    private TrainConfig(Map<String, Object> values, Set<String> explicit) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.explicit = Collections.unmodifiableSet(new LinkedHashSet<>(explicit));
        model = new Model(str("model"), str("precision"), str("init"), bool("lock-image"), bool("lock-text"),
                bool("siglip"), integer("lock-image-unlocked-groups"), bool("lock-image-freeze-bn-stats"),
                integer("lock-text-unlocked-layers"), bool("lock-text-freeze-layer-norm"), (Double) values.get("force-patch-dropout"),
                bool("grad-checkpointing"), str("objective"));
        data = new Data(str("train-data"), str("vocab"), integer("batch-size"), integer("workers"), str("alpha-background"),
                bool("dataset-resampled"), lng("train-num-samples"), str("train-data-upsampling-factors"), str("image-mean"),
                str("image-std"), str("aug-cfg"), str("data-order"));
        optimisation = new Optimisation(integer("accum-freq"), dbl("lr"), (Double) values.get("beta1"),
                (Double) values.get("beta2"), (Double) values.get("eps"), dbl("wd"), bool("decay-all"), dbl("grad-clip-norm"),
                integer("bn-ghost-batch"), str("gradient-sum"), integer("rank-slices"));
        schedule = new Schedule(integer("epochs"), lng("steps"), lng("warmup"), str("lr-scheduler"),
                lng("lr-cooldown-steps"), dbl("lr-cooldown-power"), dbl("lr-cooldown-end"));
        checkpointing = new Checkpointing(str("output"), str("resume"), lng("checkpoint-every"), integer("keep-checkpoints"),
                bool("allow-numerics-change"));
        evaluation = new Evaluation(lng("eval-every"), str("zeroshot-dataset"), str("zeroshot-templates"), integer("zeroshot-limit"),
                str("val-data"), integer("val-frequency"), integer("zeroshot-frequency"));
        runtime = new Runtime(lng("seed"), integer("threads"), str("concurrent-towers"), integer("log-every"), dbl("loss-spike-factor"), str("report-to"));
    }

    public Model model() {
        return model;
    }

    public Data data() {
        return data;
    }

    public Optimisation optimisation() {
        return optimisation;
    }

    public Schedule schedule() {
        return schedule;
    }

    public Checkpointing checkpointing() {
        return checkpointing;
    }

    public Evaluation evaluation() {
        return evaluation;
    }

    public Runtime runtime() {
        return runtime;
    }

    /** open_clip's defaults where it has one (lr 5e-4, wd 0.2, warmup 10,000, cosine); nothing explicit. */
    public static TrainConfig defaults() {
        return new TrainConfig(TrainOption.defaults(), Set.of());
    }

    /** A builder over the defaults. */
    public static Builder builder() {
        return new Builder(TrainOption.defaults(), Set.of());
    }

    /** A builder over this config's values, keeping which of them were set explicitly. */
    public Builder toBuilder() {
        return new Builder(values, explicit);
    }

    /** A copy with the given options set explicitly (string keys as in JSON); errors name {@code source}. */
    public TrainConfig with(Map<String, ?> options, String source) {
        return toBuilder().setAll(options, source).build();
    }

    /** A user's JSON file over the defaults: the options it names count as explicitly set. */
    public static TrainConfig load(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException("training config file not found: " + file);
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read training config " + file + ": " + e.getMessage(), e);
        }
    }

    /** A user's JSON text over the defaults; {@code source} names it in errors. */
    public static TrainConfig parse(String json, String source) {
        return read(json, source, true);
    }

    /**
     * A saved run's config (its {@code config.json}, a checkpoint's metadata), any schema version up to
     * {@link #SCHEMA_VERSION}: nothing in it counts as explicitly set.
     */
    public static TrainConfig restore(String json, String source) {
        return read(json, source, false);
    }

    private static TrainConfig read(String json, String source, boolean explicit) {
        JsonNode root = JsonObjects.parse(json, source);
        int version = root.has(VERSION_KEY) ? root.get(VERSION_KEY).asInt(-1) : 1;
        if (version < 1 || version > SCHEMA_VERSION) {
            throw new ConfigException(source + ": " + VERSION_KEY + " " + root.get(VERSION_KEY)
                    + " is not one this jclip reads (1 to " + SCHEMA_VERSION + ")");
        }
        Map<String, Object> options = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(VERSION_KEY)) continue;
            JsonNode v = e.getValue();
            if (v.isContainerNode()) throw new ConfigException(source + ": bad value for '" + e.getKey() + "': expected a single value");
            options.put(e.getKey(), v.isNull() ? null : v.isNumber() ? v.numberValue() : v.isBoolean() ? v.booleanValue() : v.asText());
        }
        Builder b = builder().setAll(options, source);
        return explicit ? b.build() : new TrainConfig(b.values, Set.of());
    }

    /** The options set explicitly, in table order (none for {@link #defaults()} and {@link #restore}). */
    public Set<String> explicitOptions() {
        return explicit;
    }

    public boolean isExplicit(String option) {
        TrainOption.named(option, "isExplicit");
        return explicit.contains(option);
    }

    /** One option's value by name (as in JSON). */
    public Object get(String option) {
        return values.get(TrainOption.named(option, "get").name());
    }

    /** Options whose values differ from {@code other}'s, each as {@code "name: other -> this"}. */
    public List<String> differencesFrom(TrainConfig other) {
        List<String> out = new ArrayList<>();
        for (String k : values.keySet()) {
            if (!Objects.equals(values.get(k), other.values.get(k))) out.add(k + ": " + other.values.get(k) + " -> " + values.get(k));
        }
        return out;
    }

    /** The JSON form: {@code schema-version} and every option by name. */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(VERSION_KEY, SCHEMA_VERSION);
        out.putAll(values);
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks the options that do not depend on files or the model: each problem is reported with the option
     * name, before any work starts.
     */
    public TrainConfig validate() {
        List<String> problems = new ArrayList<>();
        int batch = data.batchSize();
        int accum = optimisation.accumFreq();
        if (model.name() == null || model.name().isBlank()) problems.add("model is required");
        if (!List.of("float32", "float64", "bf16").contains(model.precision())) {
            problems.add("precision must be float32, float64 or bf16, got '" + model.precision() + "'");
        }
        if (model.lockImage() && model.lockText() && model.lockImageUnlockedGroups() == 0 && model.lockTextUnlockedLayers() == 0
                && model.lockTextFreezeLayerNorm()) {
            problems.add("lock-image and lock-text together leave only logit_scale to train");
        }
        for (String o : List.of("lock-image-unlocked-groups", "lock-text-unlocked-layers")) {
            if ((Integer) values.get(o) < 0) problems.add(o + " must be >= 0, got " + values.get(o));
        }
        if (!model.lockImage() && (model.lockImageUnlockedGroups() != 0 || model.lockImageFreezeBnStats())) {
            problems.add("lock-image-unlocked-groups and lock-image-freeze-bn-stats need lock-image");
        }
        if (!model.lockText() && (model.lockTextUnlockedLayers() != 0 || model.lockTextFreezeLayerNorm())) {
            problems.add("lock-text-unlocked-layers and lock-text-freeze-layer-norm need lock-text");
        }
        try {
            if (dev.jclip.core.config.Objective.parse(model.objective()).predictsCaption() && model.siglip()) {
                problems.add("siglip is a contrastive loss: it cannot be used with objective " + model.objective());
            }
        } catch (dev.jclip.core.config.ConfigException e) {
            problems.add(e.getMessage());
        }
        Double pd = model.forcePatchDropout();
        if (pd != null && !(pd >= 0 && pd < 1)) problems.add("force-patch-dropout must be in [0, 1), got " + pd);
        if (batch <= 0) problems.add("batch-size must be positive, got " + batch);
        if (data.workers() <= 0) problems.add("workers must be positive, got " + data.workers());
        if (!(runtime.lossSpikeFactor() >= 0) || Double.isInfinite(runtime.lossSpikeFactor())) {
            problems.add("loss-spike-factor must be >= 0 (0 = off), got " + runtime.lossSpikeFactor());
        }
        if (data.alphaBackground() != null) {
            try {
                dev.jclip.data.image.AlphaBackground.parse(data.alphaBackground());
            } catch (IllegalArgumentException e) {
                problems.add("alpha-background: " + e.getMessage());
            }
        }
        validateData(problems);
        if (accum <= 0) problems.add("accum-freq must be positive, got " + accum);
        else if (batch > 0 && batch % accum != 0) problems.add("batch-size " + batch + " is not divisible by accum-freq " + accum);
        if (!List.of("shards", "global").contains(data.dataOrder())) problems.add("data-order must be shards or global, got '" + data.dataOrder() + "'");
        int ghost = optimisation.bnGhostBatch();
        if (ghost < 0) problems.add("bn-ghost-batch must be >= 0 (0 = off), got " + ghost);
        else if (ghost > 0 && accum > 0 && batch % accum == 0 && (batch / accum) % ghost != 0) {
            problems.add("bn-ghost-batch " + ghost + " does not divide the micro-batch of " + batch / accum + " (batch-size / accum-freq)");
        }
        if (!List.of("all-reduce", "rank-order").contains(optimisation.gradientSum())) {
            problems.add("gradient-sum must be all-reduce or rank-order, got '" + optimisation.gradientSum() + "'");
        }
        int slices = optimisation.rankSlices();
        if (slices < 0) problems.add("rank-slices must be >= 0 (0 = off), got " + slices);
        else if (slices > 0 && accum > 0 && batch > 0 && batch % ((long) slices * accum) != 0) {
            problems.add("rank-slices " + slices + " x accum-freq " + accum + " does not divide batch-size " + batch);
        }
        Optimisation o = optimisation;
        if (!(o.lr() > 0) || Double.isInfinite(o.lr())) problems.add("lr must be positive, got " + o.lr());
        if (o.beta1() != null && !(o.beta1() >= 0 && o.beta1() < 1)) problems.add("beta1 must be in [0, 1), got " + o.beta1());
        if (o.beta2() != null && !(o.beta2() >= 0 && o.beta2() < 1)) problems.add("beta2 must be in [0, 1), got " + o.beta2());
        if (o.eps() != null && !(o.eps() > 0)) problems.add("eps must be positive, got " + o.eps());
        if (!(o.wd() >= 0)) problems.add("wd must be >= 0, got " + o.wd());
        if (!(o.gradClipNorm() >= 0)) problems.add("grad-clip-norm must be >= 0, got " + o.gradClipNorm());
        Schedule s = schedule;
        if (s.steps() < 0) problems.add("steps must be >= 0, got " + s.steps());
        if (s.steps() == 0 && s.epochs() <= 0) problems.add("epochs must be positive when steps is not given, got " + s.epochs());
        if (s.warmup() < 0) problems.add("warmup must be >= 0, got " + s.warmup());
        if (!List.of("cosine", "const", "const-cooldown").contains(s.lrScheduler())) {
            problems.add("lr-scheduler must be cosine, const or const-cooldown, got '" + s.lrScheduler() + "'");
        }
        if ("const-cooldown".equals(s.lrScheduler()) && s.lrCooldownSteps() <= 0) {
            problems.add("lr-cooldown-steps must be positive for const-cooldown");
        }
        Checkpointing c = checkpointing;
        if (c.output() == null || c.output().isBlank()) problems.add("output (the run folder) is required");
        if (c.resume() != null && model.init() != null) problems.add("resume and init exclude each other (resume restores the weights)");
        if (c.every() < 0) problems.add("checkpoint-every must be >= 0, got " + c.every());
        if (c.keep() < 0) problems.add("keep-checkpoints must be >= 0, got " + c.keep());
        Evaluation e = evaluation;
        if (e.every() < 0) problems.add("eval-every must be >= 0, got " + e.every());
        if (e.zeroshotLimit() < 0) problems.add("zeroshot-limit must be >= 0, got " + e.zeroshotLimit());
        if (e.valFrequency() < 0) problems.add("val-frequency must be >= 0, got " + e.valFrequency());
        if (e.zeroshotFrequency() < 0) problems.add("zeroshot-frequency must be >= 0, got " + e.zeroshotFrequency());
        if (e.zeroshotDataset() != null && e.every() <= 0 && e.zeroshotFrequency() <= 0) {
            problems.add("zeroshot-dataset needs eval-every N (every N steps) or zeroshot-frequency N (every N epochs)");
        }
        if (e.valData() != null && e.every() <= 0 && e.valFrequency() <= 0) {
            problems.add("val-data needs eval-every N (every N steps) or val-frequency N (every N epochs)");
        }
        if (e.zeroshotFrequency() > 0 && e.zeroshotDataset() == null) problems.add("zeroshot-frequency needs zeroshot-dataset");
        if (e.valFrequency() > 0 && e.valData() == null) problems.add("val-frequency needs val-data");
        if (runtime.threads() < 0) problems.add("threads must be >= 0, got " + runtime.threads());
        try {
            ConcurrentTowers.parse(runtime.concurrentTowers());
        } catch (IllegalArgumentException bad) {
            problems.add("concurrent-towers " + bad.getMessage());
        }
        if (runtime.logEvery() <= 0) problems.add("log-every must be positive, got " + runtime.logEvery());
        for (String r : runtime.reportTo().split(",", -1)) {
            if (!List.of("jsonl", "tensorboard").contains(r.strip())) {
                problems.add("report-to takes jsonl and/or tensorboard (comma-separated), got '" + runtime.reportTo() + "'");
                break;
            }
        }
        if (!problems.isEmpty()) throw new ConfigException("invalid training config: " + String.join("; ", problems));
        return this;
    }

    /** The data options that parse on their own: sample count, upsampling factors, mean and std, augmentation. */
    private void validateData(List<String> problems) {
        if (data.trainNumSamples() < 0) problems.add("train-num-samples must be >= 0, got " + data.trainNumSamples());
        if (data.upsamplingFactors() != null) {
            if (!data.datasetResampled()) problems.add("train-data-upsampling-factors needs dataset-resampled (as in open_clip)");
            try {
                upsamplingFactors();
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        for (String o : List.of("image-mean", "image-std")) {
            if (values.get(o) == null) continue;
            try {
                dev.jclip.data.image.PreprocessConfig.channels((String) values.get(o), o);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        if (data.imageStd() != null && problems.stream().noneMatch(p -> p.startsWith("image-std"))) {
            for (float v : dev.jclip.data.image.PreprocessConfig.channels(data.imageStd(), "image-std")) {
                if (!(v > 0)) {
                    problems.add("image-std must be positive, got '" + data.imageStd() + "'");
                    break;
                }
            }
        }
        if (data.augCfg() != null) {
            try {
                dev.jclip.data.image.AugmentationConfig.parse(data.augCfg(), "aug-cfg");
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
    }

    /**
     * The {@code train-data-upsampling-factors} as numbers, one per {@code ::}-joined source of {@code train-data}
     * (when given); null when not set.
     */
    public double[] upsamplingFactors() {
        String f = data.upsamplingFactors();
        if (f == null) return null;
        String[] parts = f.split("::", -1);
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("train-data-upsampling-factors: '" + parts[i] + "' is not a number (in '" + f + "')");
            }
            if (!(out[i] > 0) || Double.isInfinite(out[i])) {
                throw new IllegalArgumentException("train-data-upsampling-factors must be positive, got '" + parts[i] + "'");
            }
        }
        if (data.trainData() != null) {
            int sources = data.trainData().split("::", -1).length;
            if (sources != out.length) {
                throw new IllegalArgumentException("train-data-upsampling-factors has " + out.length + " factors for " + sources
                        + " '::'-joined train-data sources");
            }
        }
        return out;
    }

    /** Pairs per micro-batch. */
    public int microBatchSize() {
        return data.batchSize() / optimisation.accumFreq();
    }

    /** Equal values (which of them were explicit does not matter). */
    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig t && values.equals(t.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "TrainConfig" + values;
    }

    private String str(String k) {
        return (String) values.get(k);
    }

    private int integer(String k) {
        return (Integer) values.get(k);
    }

    private long lng(String k) {
        return (Long) values.get(k);
    }

    private double dbl(String k) {
        return (Double) values.get(k);
    }

    private boolean bool(String k) {
        return (Boolean) values.get(k);
    }

    /** Sets options by type or by name; every option set here counts as explicit. */
    public static final class Builder {
        private final Map<String, Object> values;
        private final Set<String> explicit;

        private Builder(Map<String, Object> values, Set<String> explicit) {
            this.values = new LinkedHashMap<>(values);
            this.explicit = new LinkedHashSet<>(explicit);
        }

        /** The string-keyed entry (JSON names); the value is converted to the option's type, errors name {@code source}. */
        public Builder set(String option, Object value, String source) {
            TrainOption o = TrainOption.named(option, source);
            values.put(o.name(), o.convert(value, source));
            explicit.add(o.name());
            return this;
        }

        public Builder setAll(Map<String, ?> options, String source) {
            options.forEach((k, v) -> set(k, v, source));
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(values, explicit);
        }

        private Builder put(String option, Object value) {
            return set(option, value, "TrainConfig.Builder");
        }

        public Builder model(String v) { return put("model", v); }

        public Builder precision(String v) { return put("precision", v); }

        public Builder init(String v) { return put("init", v); }

        public Builder lockImage(boolean v) { return put("lock-image", v); }

        public Builder lockText(boolean v) { return put("lock-text", v); }

        public Builder siglip(boolean v) { return put("siglip", v); }
        public Builder objective(String v) { return put("objective", v); }

        public Builder lockImageUnlockedGroups(int v) { return put("lock-image-unlocked-groups", v); }

        public Builder lockImageFreezeBnStats(boolean v) { return put("lock-image-freeze-bn-stats", v); }

        public Builder lockTextUnlockedLayers(int v) { return put("lock-text-unlocked-layers", v); }

        public Builder lockTextFreezeLayerNorm(boolean v) { return put("lock-text-freeze-layer-norm", v); }

        public Builder forcePatchDropout(Double v) { return put("force-patch-dropout", v); }

        public Builder gradCheckpointing(boolean v) { return put("grad-checkpointing", v); }

        public Builder trainData(String v) { return put("train-data", v); }

        public Builder vocab(String v) { return put("vocab", v); }

        public Builder batchSize(int v) { return put("batch-size", v); }

        public Builder workers(int v) { return put("workers", v); }

        public Builder alphaBackground(String v) { return put("alpha-background", v); }

        public Builder datasetResampled(boolean v) { return put("dataset-resampled", v); }

        public Builder trainNumSamples(long v) { return put("train-num-samples", v); }

        public Builder trainDataUpsamplingFactors(String v) { return put("train-data-upsampling-factors", v); }

        public Builder imageMean(String v) { return put("image-mean", v); }

        public Builder imageStd(String v) { return put("image-std", v); }

        public Builder augCfg(String v) { return put("aug-cfg", v); }

        public Builder accumFreq(int v) { return put("accum-freq", v); }

        public Builder lr(double v) { return put("lr", v); }

        public Builder beta1(Double v) { return put("beta1", v); }

        public Builder beta2(Double v) { return put("beta2", v); }

        public Builder eps(Double v) { return put("eps", v); }

        public Builder wd(double v) { return put("wd", v); }

        public Builder decayAll(boolean v) { return put("decay-all", v); }

        public Builder gradClipNorm(double v) { return put("grad-clip-norm", v); }

        public Builder epochs(int v) { return put("epochs", v); }

        public Builder steps(long v) { return put("steps", v); }

        public Builder warmup(long v) { return put("warmup", v); }

        public Builder lrScheduler(String v) { return put("lr-scheduler", v); }

        public Builder lrCooldownSteps(long v) { return put("lr-cooldown-steps", v); }

        public Builder lrCooldownPower(double v) { return put("lr-cooldown-power", v); }

        public Builder lrCooldownEnd(double v) { return put("lr-cooldown-end", v); }

        public Builder output(String v) { return put("output", v); }

        public Builder resume(String v) { return put("resume", v); }

        public Builder checkpointEvery(long v) { return put("checkpoint-every", v); }

        public Builder keepCheckpoints(int v) { return put("keep-checkpoints", v); }

        public Builder allowNumericsChange(boolean v) { return put("allow-numerics-change", v); }

        public Builder evalEvery(long v) { return put("eval-every", v); }

        public Builder zeroshotDataset(String v) { return put("zeroshot-dataset", v); }

        public Builder zeroshotTemplates(String v) { return put("zeroshot-templates", v); }

        public Builder zeroshotLimit(int v) { return put("zeroshot-limit", v); }

        public Builder valData(String v) { return put("val-data", v); }

        public Builder valFrequency(int v) { return put("val-frequency", v); }

        public Builder zeroshotFrequency(int v) { return put("zeroshot-frequency", v); }

        public Builder seed(long v) { return put("seed", v); }

        public Builder threads(int v) { return put("threads", v); }

        public Builder concurrentTowers(String v) { return put("concurrent-towers", v); }

        public Builder logEvery(int v) { return put("log-every", v); }

        public Builder lossSpikeFactor(double v) { return put("loss-spike-factor", v); }

        public Builder reportTo(String v) { return put("report-to", v); }

        public Builder dataOrder(String v) { return put("data-order", v); }

        public Builder bnGhostBatch(int v) { return put("bn-ghost-batch", v); }

        public Builder gradientSum(String v) { return put("gradient-sum", v); }

        public Builder rankSlices(int v) { return put("rank-slices", v); }
    }
}
