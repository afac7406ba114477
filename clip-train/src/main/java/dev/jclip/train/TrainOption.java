package dev.jclip.train;

import dev.jclip.core.config.ConfigException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training option: its name (the same in JSON, on the command line and in {@link TrainConfig.Builder#set}),
 * the concern it belongs to, its type, default and meaning. {@link #ALL} is the one table every reader of options
 * (JSON files, the {@code clip train} flags, the string-keyed API) works from.
 *
 * @param type {@code String}, {@code Integer}, {@code Long}, {@code Double} or {@code Boolean}
 * @param defaultValue null only for optional values (paths, the tower-dependent AdamW betas and epsilon)
 */
public record TrainOption(String name, Concern concern, Class<?> type, Object defaultValue, String description) {

    /** The groups of {@link TrainConfig}, in the order the options are listed. */
    public enum Concern { MODEL, DATA, OPTIMISATION, SCHEDULE, CHECKPOINTING, EVALUATION, RUNTIME }

    /** Every option, grouped by concern; open_clip's defaults where it has one. */
    public static final List<TrainOption> ALL = List.of(
            new TrainOption("model", Concern.MODEL, String.class, "ViT-B-32", "model preset name or path to an open_clip model JSON"),
            new TrainOption("precision", Concern.MODEL, String.class, "float32", "float32, float64, or bf16 (open_clip's amp_bf16: float32 weights, optimizer, gradients and loss; the towers' matrix products with bf16 operands and float32 sums; Java 25 and libdnnl2: docs/TRAINING.md)"),
            new TrainOption("init", Concern.MODEL, String.class, null, "weights to start from (a checkpoint or any state dict), with a fresh optimiser and counters"),
            new TrainOption("lock-image", Concern.MODEL, Boolean.class, false, "freeze the image tower (visual.*)"),
            new TrainOption("lock-text", Concern.MODEL, Boolean.class, false, "freeze the text tower"),
            // open_clip's model-side recipes (issue 18): SigLIP, partial locking, patch dropout, activation checkpointing
            new TrainOption("siglip", Concern.MODEL, Boolean.class, false, "SigLIP: the pairwise sigmoid loss with a learnable logit_bias (initial logit_scale ln 10, logit_bias -10)"),
            new TrainOption("objective", Concern.MODEL, String.class, "contrastive", "what the model learns from captions (the CLIP paper's Figure 2): contrastive (CLIP), bow (predict the caption's bag of words from the image) or caption-lm (the text transformer generates the caption conditioned on the image)"),
            new TrainOption("lock-image-unlocked-groups", Concern.MODEL, Integer.class, 0, "with lock-image: leave the last N layer groups of the image tower trainable (ViT: L blocks make L + 2 groups)"),
            new TrainOption("lock-image-freeze-bn-stats", Concern.MODEL, Boolean.class, false, "with lock-image: BatchNorm layers keep their running statistics (ResNet towers)"),
            new TrainOption("lock-text-unlocked-layers", Concern.MODEL, Integer.class, 0, "with lock-text: leave the last N layer groups of the text tower trainable (L blocks make L + 2 groups)"),
            new TrainOption("lock-text-freeze-layer-norm", Concern.MODEL, Boolean.class, false, "with lock-text: freeze the LayerNorms of the locked layers too (otherwise they stay trainable)"),
            new TrainOption("force-patch-dropout", Concern.MODEL, Double.class, null, "drop this fraction of each image's patch tokens in training (FLIP), overriding the model's patch_dropout; 0 = none"),
            new TrainOption("grad-checkpointing", Concern.MODEL, Boolean.class, false, "activation checkpointing: transformer blocks keep only their inputs and recompute activations in backward (same gradients, less memory, more time)"),

            new TrainOption("train-data", Concern.DATA, String.class, null, "WebDataset shard pattern (shards/{0000..0009}.tar, '::' joins patterns) or a .csv/.tsv manifest"),
            new TrainOption("vocab", Concern.DATA, String.class, null, "BPE merges file (default: OpenAI's, for 49,408-token models)"),
            new TrainOption("batch-size", Concern.DATA, Integer.class, 256, "pairs per optimiser step (the global batch)"),
            new TrainOption("workers", Concern.DATA, Integer.class, 2, "data-decoding threads"),
            new TrainOption("alpha-background", Concern.DATA, String.class, null, "what transparent pixels are composited over: white, black, none or R,G,B (default: white, or the checkpoint's when resuming)"),
            new TrainOption("dataset-resampled", Concern.DATA, Boolean.class, false, "draw shards with replacement, each loader worker its own seeded sequence (open_clip's ResampledShards2); needs train-num-samples or a sizes.json"),
            new TrainOption("train-num-samples", Concern.DATA, Long.class, 0L, "pairs in one epoch (epoch = floor(this / batch-size) steps); 0 = the data's size"),
            new TrainOption("train-data-upsampling-factors", Concern.DATA, String.class, null, "'::'-joined draw weights, one per '::'-joined train-data source (needs dataset-resampled)"),
            new TrainOption("image-mean", Concern.DATA, String.class, null, "per-channel normalisation mean, R,G,B or one value (default: OpenAI's, or the checkpoint's when resuming)"),
            new TrainOption("image-std", Concern.DATA, String.class, null, "per-channel normalisation std, R,G,B or one value (default: OpenAI's, or the checkpoint's when resuming)"),
            new TrainOption("aug-cfg", Concern.DATA, String.class, null, "training augmentation as open_clip's key=value pairs: scale=(0.9,1.0) ratio=(0.75,1.333) color_jitter=(b,c,s,h) color_jitter_prob=P gray_scale_prob=P"),
            new TrainOption("data-order", Concern.DATA, String.class, "shards", "distributed runs: shards (each rank reads its own part of the shards, as open_clip) or global (one global sample order from seed and batch-size, each rank takes its slice of every batch: the same run at any world size)"),

            new TrainOption("accum-freq", Concern.OPTIMISATION, Integer.class, 1, "micro-batches per step (exact feature-cached accumulation); divides batch-size"),
            new TrainOption("bn-ghost-batch", Concern.OPTIMISATION, Integer.class, 0, "BatchNorm statistics over slices of this many images of each micro-batch (ghost batch norm; what a distributed run's per-rank statistics give); 0 = the whole micro-batch"),
            new TrainOption("gradient-sum", Concern.OPTIMISATION, String.class, "all-reduce", "distributed runs: how the ranks' gradients are summed: all-reduce (the MPI library's; its order depends on the library and the world size) or rank-order (gathered and summed in rank order in float64: bits that one process reproduces with rank-slices; each rank receives world-1 buckets instead of ~2)"),
            new TrainOption("rank-slices", Concern.OPTIMISATION, Integer.class, 0, "one process: compute each step as this many ranks with gradient-sum rank-order do (per-slice BatchNorm statistics, loss shares, partial gradients summed in rank order), giving their bits; 0 = off"),
            new TrainOption("lr", Concern.OPTIMISATION, Double.class, 5e-4, "peak learning rate"),
            new TrainOption("beta1", Concern.OPTIMISATION, Double.class, null, "AdamW beta1 (default 0.9)"),
            new TrainOption("beta2", Concern.OPTIMISATION, Double.class, null, "AdamW beta2 (default 0.98 for a ViT, 0.999 for a ResNet)"),
            new TrainOption("eps", Concern.OPTIMISATION, Double.class, null, "AdamW epsilon (default 1e-6 for a ViT, 1e-8 for a ResNet)"),
            new TrainOption("wd", Concern.OPTIMISATION, Double.class, 0.2, "weight decay"),
            new TrainOption("decay-all", Concern.OPTIMISATION, Boolean.class, false, "decay every parameter, not only open_clip's choice"),
            new TrainOption("grad-clip-norm", Concern.OPTIMISATION, Double.class, 0.0, "clip the global gradient norm to this; 0 = off"),

            new TrainOption("epochs", Concern.SCHEDULE, Integer.class, 32, "passes over the data (when steps is 0)"),
            new TrainOption("steps", Concern.SCHEDULE, Long.class, 0L, "total optimiser steps; 0 = epochs x (pairs / batch-size)"),
            new TrainOption("warmup", Concern.SCHEDULE, Long.class, 10_000L, "linear warmup steps"),
            new TrainOption("lr-scheduler", Concern.SCHEDULE, String.class, "cosine", "cosine, const or const-cooldown"),
            new TrainOption("lr-cooldown-steps", Concern.SCHEDULE, Long.class, 0L, "length of const-cooldown's cooldown"),
            new TrainOption("lr-cooldown-power", Concern.SCHEDULE, Double.class, 1.0, "exponent of the cooldown (1 = linear)"),
            new TrainOption("lr-cooldown-end", Concern.SCHEDULE, Double.class, 0.0, "learning rate at the end of the cooldown"),

            new TrainOption("output", Concern.CHECKPOINTING, String.class, null, "the run folder (required)"),
            new TrainOption("resume", Concern.CHECKPOINTING, String.class, null, "latest, or a checkpoint path to continue from"),
            new TrainOption("checkpoint-every", Concern.CHECKPOINTING, Long.class, 1000L, "checkpoint interval in steps (one is always written at the end)"),
            new TrainOption("keep-checkpoints", Concern.CHECKPOINTING, Integer.class, 3, "newest checkpoints kept; 0 = all"),
            new TrainOption("allow-numerics-change", Concern.CHECKPOINTING, Boolean.class, false, "resume even when the settings the numbers depend on (Numerics) differ from the checkpoint's; the change is logged"),

            new TrainOption("eval-every", Concern.EVALUATION, Long.class, 0L, "run the evaluation every this many steps and at the end; 0 = off"),
            new TrainOption("zeroshot-dataset", Concern.EVALUATION, String.class, null, "labelled images (any clip eval dataset spec) for zero-shot top-1/top-5"),
            new TrainOption("zeroshot-templates", Concern.EVALUATION, String.class, null, "prompt templates file (default: CLIP's)"),
            new TrainOption("zeroshot-limit", Concern.EVALUATION, Integer.class, 0, "evaluate on a fixed random subset of this many images; 0 = all"),
            new TrainOption("val-data", Concern.EVALUATION, String.class, null, "validation pairs (shard pattern or .csv/.tsv manifest): val_loss and retrieval recall@1/5/10 both ways, on the eval-every / val-frequency schedule"),
            new TrainOption("val-frequency", Concern.EVALUATION, Integer.class, 0, "validate on val-data every this many epochs (and at the end); 0 = only on eval-every"),
            new TrainOption("zeroshot-frequency", Concern.EVALUATION, Integer.class, 0, "zero-shot evaluation every this many epochs (and at the end); 0 = only on eval-every"),

            new TrainOption("seed", Concern.RUNTIME, Long.class, 0L, "seed of model initialisation, data order and every random choice"),
            new TrainOption("threads", Concern.RUNTIME, Integer.class, 0, "ND4J and BLAS threads; 0 = the library default"),
            new TrainOption("concurrent-towers", Concern.RUNTIME, String.class, "auto", "run the image and the text tower of a step at the same time, each on its share of the threads (the same bits either way): auto (with 2+ threads, when each tower's FLOP share is at least one thread and the step is small: docs/PERFORMANCE.md), on or off"),
            new TrainOption("log-every", Concern.RUNTIME, Integer.class, 10, "progress-line interval in steps"),
            new TrainOption("loss-spike-factor", Concern.RUNTIME, Double.class, 3.0, "stop when a step's loss exceeds this many times the running mean (after 20 steps); 0 = off"),
            new TrainOption("report-to", Concern.RUNTIME, String.class, "jsonl", "where step and evaluation metrics go: jsonl (metrics.jsonl, always written) and/or tensorboard (event files in the run folder), comma-separated"));

    private static final Map<String, TrainOption> BY_NAME = new LinkedHashMap<>();

    static {
        for (TrainOption o : ALL) BY_NAME.put(o.name, o);
    }

    /** The option called {@code name}; an unknown name is an error listing the valid ones, nearest first. */
    public static TrainOption named(String name, String source) {
        TrainOption o = BY_NAME.get(name);
        if (o != null) return o;
        String nearest = nearest(name);
        throw new ConfigException(source + ": unknown training option '" + name + "'"
                + (nearest != null ? " (did you mean '" + nearest + "'?)" : "") + "; valid options: " + names());
    }

    /** Every option name, in table order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The value as this option's type: numbers and booleans may come as strings (a command line) or JSON numbers. */
    public Object convert(Object raw, String source) {
        if (raw == null) {
            if (defaultValue != null) throw bad(source, "null", "a value");
            return null;
        }
        String text = raw.toString().strip();
        try {
            if (type == String.class) return raw.toString();
            if (type == Boolean.class) {
                if (raw instanceof Boolean b) return b;
                if (text.equalsIgnoreCase("true")) return true;
                if (text.equalsIgnoreCase("false")) return false;
                throw bad(source, text, "true or false");
            }
            if (raw instanceof Boolean) throw bad(source, text, "a number");
            if (type == Double.class) return raw instanceof Number n ? n.doubleValue() : Double.parseDouble(text);
            long v = raw instanceof Number n ? integral(n, source) : Long.parseLong(text);
            if (type == Long.class) return v;
            if (v != (int) v) throw bad(source, text, "an integer below 2^31");
            return (int) v;
        } catch (NumberFormatException e) {
            throw bad(source, text, type == Double.class ? "a number" : "an integer");
        }
    }

    private long integral(Number n, String source) {
        if (n instanceof Double || n instanceof Float) {
            double d = n.doubleValue();
            if (d != Math.rint(d) || Double.isInfinite(d)) throw bad(source, n.toString(), "an integer");
            return (long) d;
        }
        return n.longValue();
    }

    private ConfigException bad(String source, String value, String expected) {
        return new ConfigException(source + ": bad value for '" + name + "': expected " + expected + ", got '" + value + "'");
    }

    /** The known name closest to {@code name} by edit distance, or null when none is close (more than a third differs). */
    static String nearest(String name) {
        return BY_NAME.keySet().stream()
                .min(Comparator.comparingInt(k -> editDistance(name, k)))
                .filter(k -> editDistance(name, k) <= Math.max(2, k.length() / 3))
                .orElse(null);
    }

    /** Levenshtein distance. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Defaults of every option, in table order. */
    static Map<String, Object> defaults() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (TrainOption o : ALL) out.put(o.name, o.defaultValue);
        return out;
    }

    /** Names of the options of one concern. */
    public static List<String> of(Concern concern) {
        List<String> out = new ArrayList<>();
        for (TrainOption o : ALL) if (o.concern == concern) out.add(o.name);
        return out;
    }
}
