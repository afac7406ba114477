package dev.jclip.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jclip.core.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Every option of a training run. In JSON (a {@code --config} file, a run's {@code config.json}, a checkpoint's
 * metadata) the keys are the command-line option names: {@code {"model": "ViT-tiny", "batch-size": 256,
 * "accum-freq": 4}}. Keys left out take the defaults below; unknown keys are errors naming the key.
 *
 * @param model            model preset name or path to an open_clip model JSON
 * @param trainData        training shards (brace pattern such as {@code shards/{0000..0009}.tar})
 * @param vocab            BPE vocabulary file for the tokenizer (null: the built-in one)
 * @param batchSize        global batch size (pairs per optimiser step)
 * @param accumFreq        micro-batches per step (feature-caching gradient accumulation); divides {@code batchSize}
 * @param epochs           passes over the training data (ignored when {@code steps} is set)
 * @param steps            total optimiser steps; 0 derives them from {@code epochs} and the data size
 * @param lr               peak learning rate
 * @param beta1            AdamW beta1; null: 0.9
 * @param beta2            AdamW beta2; null: 0.98 for a ViT, 0.999 for a ResNet
 * @param eps              AdamW epsilon; null: 1e-6 for a ViT, 1e-8 for a ResNet
 * @param wd               weight decay
 * @param decayAll         decay every parameter, not only open_clip's (weights of rank >= 2)
 * @param warmup           linear warmup steps
 * @param lrScheduler      {@code cosine}, {@code const} or {@code const-cooldown}
 * @param lrCooldownSteps  length of the cooldown for {@code const-cooldown}
 * @param lrCooldownPower  exponent of the cooldown decay (1 = linear)
 * @param lrCooldownEnd    learning rate at the end of the cooldown
 * @param gradClipNorm     clip gradients to this global norm; 0 disables clipping
 * @param seed             seed of model initialisation, data order and every other random choice
 * @param precision        {@code float32} or {@code float64}
 * @param output           run folder (config.json, metrics.jsonl, train.log, checkpoints/, model.safetensors)
 * @param resume           {@code latest} or a checkpoint path to continue from; null starts fresh
 * @param init             weights (checkpoint or state dict) to start from, with fresh optimiser and counters
 * @param checkpointEvery  save a checkpoint every this many steps (and always at the end); 0: only at the end
 * @param keepCheckpoints  checkpoints kept (newest); 0 keeps all
 * @param logEvery         log a progress line every this many steps
 * @param evalEvery        run the evaluation hook every this many steps; 0 disables it
 * @param threads          compute threads (0: the library default)
 * @param workers          data-loading threads
 * @param lockImage        freeze the image tower ({@code visual.*})
 * @param lockText         freeze the text tower
 * @param zeroshotDataset  labelled images (a clip-eval dataset spec) for zero-shot accuracy every {@code evalEvery}
 *                         steps in {@code clip train}; null: none
 * @param zeroshotTemplates prompt templates file for that evaluation; null: CLIP's defaults
 * @param zeroshotLimit    evaluate on a fixed random subset of this many images; 0: all
 * @param lossSpikeFactor  stop when a step's loss exceeds this many times the running mean of the losses before it
 *                         (after 20 steps; see {@code LossSpikeGuard}); 0 disables the check
 * @param allowNumericsChange resume even when the numerics settings ({@link Numerics}) differ from the checkpoint's;
 *                         the change is logged and the run no longer matches an uninterrupted one bit for bit
 */
public record TrainConfig(
        String model,
        String trainData,
        String vocab,
        int batchSize,
        int accumFreq,
        int epochs,
        long steps,
        double lr,
        Double beta1,
        Double beta2,
        Double eps,
        double wd,
        boolean decayAll,
        long warmup,
        String lrScheduler,
        long lrCooldownSteps,
        double lrCooldownPower,
        double lrCooldownEnd,
        double gradClipNorm,
        long seed,
        String precision,
        String output,
        String resume,
        String init,
        long checkpointEvery,
        int keepCheckpoints,
        int logEvery,
        long evalEvery,
        int threads,
        int workers,
        boolean lockImage,
        boolean lockText,
        String zeroshotDataset,
        String zeroshotTemplates,
        int zeroshotLimit,
        double lossSpikeFactor,
        boolean allowNumericsChange) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** open_clip's defaults where it has one (lr 5e-4, wd 0.2, warmup 10,000, cosine). */
    public static TrainConfig defaults() {
        return new TrainConfig("ViT-B-32", null, null, 256, 1, 32, 0, 5e-4, null, null, null, 0.2, false,
                10_000, "cosine", 0, 1.0, 0.0, 0, 0, "float32", null, null, null, 1000, 3, 10, 0, 0, 2,
                false, false, null, null, 0, 3.0, false);
    }

    /** Reads a JSON file over the defaults; errors name the file and the key. */
    public static TrainConfig load(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException("training config file not found: " + file);
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read training config " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses JSON text over the defaults; {@code source} names it in errors. */
    public static TrainConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ConfigException(source + ": expected a JSON object");
        return defaults().overlay((ObjectNode) root, source);
    }

    /** A copy with the given options replaced ({@code key -> value}, keys as in JSON); errors name {@code source}. */
    public TrainConfig with(Map<String, ?> overrides, String source) {
        return overlay(JSON.valueToTree(overrides), source);
    }

    private TrainConfig overlay(ObjectNode overrides, String source) {
        ObjectNode tree = JSON.valueToTree(this);
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = overrides.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!tree.has(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException(source + ": unknown training option(s) " + unknown + "; known: " + names());
        }
        tree.setAll(overrides);
        try {
            return JSON.treeToValue(tree, TrainConfig.class);
        } catch (JsonProcessingException e) {
            String field = e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()
                    ? m.getPath().get(0).getFieldName() : "?";
            throw new ConfigException(source + ": bad value for '" + field + "': " + e.getOriginalMessage(), e);
        }
    }

    /** The option names, as used in JSON and on the command line. */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        JSON.valueToTree(defaults()).fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** Each option's name (as in JSON and on the command line) and Java type, in declaration order. */
    public static Map<String, Class<?>> optionTypes() {
        Map<String, Class<?>> out = new java.util.LinkedHashMap<>();
        for (java.lang.reflect.RecordComponent c : TrainConfig.class.getRecordComponents()) {
            out.put(c.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT), c.getType());
        }
        return out;
    }

    /** Options whose values differ from {@code other}'s, each as {@code "name: other -> this"}. */
    public List<String> differencesFrom(TrainConfig other) {
        JsonNode mine = JSON.valueToTree(this);
        JsonNode theirs = JSON.valueToTree(other);
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = mine.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!mine.get(k).equals(theirs.get(k))) out.add(k + ": " + theirs.get(k) + " -> " + mine.get(k));
        }
        return out;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
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
        if (model == null || model.isBlank()) problems.add("model is required");
        if (batchSize <= 0) problems.add("batch-size must be positive, got " + batchSize);
        if (accumFreq <= 0) problems.add("accum-freq must be positive, got " + accumFreq);
        else if (batchSize > 0 && batchSize % accumFreq != 0) {
            problems.add("batch-size " + batchSize + " is not divisible by accum-freq " + accumFreq);
        }
        if (steps < 0) problems.add("steps must be >= 0, got " + steps);
        if (steps == 0 && epochs <= 0) problems.add("epochs must be positive when steps is not given, got " + epochs);
        if (!(lr > 0) || Double.isInfinite(lr)) problems.add("lr must be positive, got " + lr);
        if (beta1 != null && !(beta1 >= 0 && beta1 < 1)) problems.add("beta1 must be in [0, 1), got " + beta1);
        if (beta2 != null && !(beta2 >= 0 && beta2 < 1)) problems.add("beta2 must be in [0, 1), got " + beta2);
        if (eps != null && !(eps > 0)) problems.add("eps must be positive, got " + eps);
        if (!(wd >= 0)) problems.add("wd must be >= 0, got " + wd);
        if (warmup < 0) problems.add("warmup must be >= 0, got " + warmup);
        if (!List.of("cosine", "const", "const-cooldown").contains(lrScheduler)) {
            problems.add("lr-scheduler must be cosine, const or const-cooldown, got '" + lrScheduler + "'");
        }
        if ("const-cooldown".equals(lrScheduler) && lrCooldownSteps <= 0) {
            problems.add("lr-cooldown-steps must be positive for const-cooldown");
        }
        if (!(gradClipNorm >= 0)) problems.add("grad-clip-norm must be >= 0, got " + gradClipNorm);
        if (!"float32".equals(precision) && !"float64".equals(precision)) {
            problems.add("precision must be float32 or float64, got '" + precision + "'");
        }
        if (output == null || output.isBlank()) problems.add("output (the run folder) is required");
        if (resume != null && init != null) problems.add("resume and init exclude each other (resume restores the weights)");
        if (checkpointEvery < 0) problems.add("checkpoint-every must be >= 0, got " + checkpointEvery);
        if (keepCheckpoints < 0) problems.add("keep-checkpoints must be >= 0, got " + keepCheckpoints);
        if (logEvery <= 0) problems.add("log-every must be positive, got " + logEvery);
        if (evalEvery < 0) problems.add("eval-every must be >= 0, got " + evalEvery);
        if (threads < 0) problems.add("threads must be >= 0, got " + threads);
        if (workers <= 0) problems.add("workers must be positive, got " + workers);
        if (!(lossSpikeFactor >= 0) || Double.isInfinite(lossSpikeFactor)) {
            problems.add("loss-spike-factor must be >= 0 (0 = off), got " + lossSpikeFactor);
        }
        if (zeroshotLimit < 0) problems.add("zeroshot-limit must be >= 0, got " + zeroshotLimit);
        if (lockImage && lockText) problems.add("lock-image and lock-text together leave only logit_scale to train");
        if (!problems.isEmpty()) throw new ConfigException("invalid training config: " + String.join("; ", problems));
        return this;
    }

    /** Pairs per micro-batch. */
    public int microBatchSize() {
        return batchSize / accumFreq;
    }
}
