package dev.jclip.train;

import dev.jclip.data.loader.Batch;
import dev.jclip.core.io.AtomicFile;
import dev.jclip.core.Threads;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.core.config.ConfigException;
import dev.jclip.core.config.Objective;
import dev.jclip.core.model.ClipModel;
import dev.jclip.core.model.ConcurrentTowers;
import dev.jclip.core.nn.Precision;
import dev.jclip.core.nn.Parameter;
import dev.jclip.data.image.AlphaBackground;
import dev.jclip.data.image.PreprocessConfig;
import dev.jclip.train.checkpoint.Checkpoint;
import dev.jclip.train.checkpoint.CheckpointManager;
import dev.jclip.train.checkpoint.SafeTensorsFile;
import dev.jclip.train.checkpoint.TensorFile;
import dev.jclip.train.checkpoint.TrainingState;
import dev.jclip.train.data.RankSlice;
import dev.jclip.train.data.TrainingData;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import dev.jclip.train.dist.LocalCollective;
import dev.jclip.data.text.VocabLocator;
import dev.jclip.train.optim.AdamW;
import dev.jclip.train.optim.GradientClipping;
import dev.jclip.train.schedule.LrSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a {@link ClipModel} with AdamW on a {@link BatchSource}: learning-rate schedule, optional gradient
 * clipping and accumulation, {@code logit_scale} clamped to [0, ln 100] after every step, checkpoints every N
 * steps and at the end, exact resumption, NaN guard, metrics and an optional evaluation hook.
 *
 * <pre>{@code
 * Trainer.Result r = Trainer.builder().config(cfg).data(source).onStep(m -> ...).build().fit();
 * }</pre>
 *
 * Everything that can be checked without training (config values, model name, data size versus step count,
 * schedule, the checkpoint to resume or the weights to start from) is checked by {@link Builder#build()}.
 * <p>
 * Distributed: give each process (rank) its {@link Collective} ({@link Builder#collective}). {@code batch-size}
 * stays the global batch of one optimiser step; each rank trains on batch-size / world of it (in accum-freq
 * micro-batches), the gradients of the global loss are summed over ranks and every rank takes the same AdamW
 * step. Rank 0 alone writes the run folder (config, logs, metrics, checkpoints, the final model); every rank
 * resumes from it. See docs/SCALING.md.
 */
public final class Trainer {
    /** Upper bound of logit_scale: a temperature of 1/100, as in CLIP. */
    public static final double MAX_LOGIT_SCALE = ClipModel.MAX_LOGIT_SCALE;

    /** What a finished run produced. */
    /**
     * What a run produced.
     *
     * @param finalModel the final weights, or null when the run was stopped early ({@link #requestStop()})
     * @param stopped    true when {@link #requestStop()} ended the run before its last step
     */
    public record Result(long steps, long samplesSeen, double lastLoss, Path finalModel, Path lastCheckpoint,
                         boolean stopped) {
    }

    /** Called when an epoch's data is exhausted. */
    @FunctionalInterface
    public interface EpochListener {
        void onEpoch(int epoch, long step) throws Exception;
    }

    /** Called after a checkpoint is written. */
    @FunctionalInterface
    public interface CheckpointListener {
        void onCheckpoint(Path checkpoint, long step) throws Exception;
    }

    /** Called after every step; an exception stops the run (the last checkpoint stays the resume point). */
    @FunctionalInterface
    public interface StepListener {
        void onStep(StepMetrics metrics) throws Exception;
    }

    private final TrainConfig cfg;
    private final ClipModel model;
    private final BatchSource data;
    private final boolean ownsData;   // opened from train-data by build(): fit() closes it
    private final List<EvalHook> evalHooks;
    private final Collective collective;
    private final int rank;
    private final int world;
    private final List<StepListener> stepListeners;
    private final List<EpochListener> epochListeners;
    private final List<CheckpointListener> checkpointListeners;
    private final TensorFile io;
    private final boolean interactive;
    private final Path runDir;
    /** The BPE merges file's text of {@code cfg.vocab()}, or null for OpenAI's built-in vocabulary. */
    private final String vocabText;
    private final CheckpointManager checkpoints;
    private final long totalSteps;
    private final long stepsPerEpoch;
    private final LrSchedule schedule;
    private final AdamW optimizer;
    private final Path resumeFrom;
    private final Path initFrom;
    private volatile boolean stopRequested;

    private Trainer(Builder b, ClipModel model, BatchSource data, long totalSteps, long stepsPerEpoch,
                    LrSchedule schedule, Path resumeFrom, Path initFrom) {
        this.cfg = b.config;
        this.model = model;
        this.data = data;
        this.ownsData = b.data == null || data instanceof RankSlice;   // a slice over a passed source leaves that open
        this.evalHooks = List.copyOf(b.evalHooks);
        this.collective = b.collective;
        this.rank = collective.rank();
        this.world = collective.worldSize();
        this.stepListeners = List.copyOf(b.stepListeners);
        this.epochListeners = List.copyOf(b.epochListeners);
        this.checkpointListeners = List.copyOf(b.checkpointListeners);
        this.io = b.io;
        this.interactive = b.interactive;
        this.runDir = Path.of(cfg.checkpointing().output());
        this.checkpoints = new CheckpointManager(runDir.resolve("checkpoints"), cfg.checkpointing().keep(), io);
        // the vocabulary travels inside every checkpoint and the final model, so each file alone encodes text
        this.vocabText = data.vocabulary();
        if (vocabText != null) checkpoints.carry(dev.jclip.data.text.ClipTokenizer.METADATA_KEY, vocabText);
        this.totalSteps = totalSteps;
        this.stepsPerEpoch = stepsPerEpoch;
        this.schedule = schedule;
        this.resumeFrom = resumeFrom;
        this.initFrom = initFrom;
        // locked parameters lose their gradient buffers before the optimiser is built, so they get no state either
        lockTowers(model, cfg);
        model.setGradCheckpointing(cfg.model().gradCheckpointing());
        model.setConcurrentTowers(ConcurrentTowers.parse(cfg.runtime().concurrentTowers()));
        // bf16: the model stays float32 (its master weights), its towers' products take bf16 operands
        if ("bf16".equals(cfg.model().precision())) {
            try {
                model.setPrecision(Precision.BF16);
            } catch (IllegalStateException noKernel) {
                throw new ConfigException(noKernel.getMessage());
            }
        }
        this.optimizer = new AdamW(model.parameters(), hyper(cfg, model.config()));
    }

    /**
     * Asks the run to stop after the step in progress: it writes a checkpoint there (so {@code resume latest}
     * continues exactly) and {@link #fit()} returns with {@link Result#stopped()} set. Safe to call from another
     * thread, e.g. a shutdown hook on Ctrl-C.
     */
    public void requestStop() {
        stopRequested = true;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClipModel model() {
        return model;
    }

    public long totalSteps() {
        return totalSteps;
    }

    /** The run folder ({@code output}): config.json, metrics.jsonl, checkpoints, the final model. */
    public Path runDir() {
        return runDir;
    }

    /** AdamW settings: the config's values where given, else CLIP's defaults for the tower type. */
    static AdamW.Hyper hyper(TrainConfig cfg, ClipConfig modelCfg) {
        AdamW.Hyper d = modelCfg.vision().isResNet() ? AdamW.Hyper.resnet() : AdamW.Hyper.vit();
        TrainConfig.Optimisation o = cfg.optimisation();
        return new AdamW.Hyper(o.beta1() != null ? o.beta1() : d.beta1(), o.beta2() != null ? o.beta2() : d.beta2(),
                o.eps() != null ? o.eps() : d.eps(), o.wd(), o.decayAll());
    }

    /**
     * Runs to the configured number of steps (continuing a checkpoint when resuming). Data the trainer opened
     * itself from {@code train-data} is closed at the end.
     */
    public Result fit() throws Exception {
        try {
            return run();
        } finally {
            if (ownsData) data.close();
        }
    }

    private Result run() throws Exception {
        Threads.configure(cfg.runtime().threads());
        Map<String, String> numerics = Numerics.current(cfg);
        // the sums over ranks round differently at each world size (recorded only when distributed, so that
        // one-process checkpoints from before keep resuming)
        if (world > 1) numerics.put("world-size", String.valueOf(world));
        // rank-order sums and rank slices round differently from the all-reduce and one whole batch
        if (world > 1 && !"all-reduce".equals(cfg.optimisation().gradientSum())) numerics.put("gradient-sum", cfg.optimisation().gradientSum());
        if (cfg.optimisation().rankSlices() > 1) numerics.put("rank-slices", String.valueOf(cfg.optimisation().rankSlices()));
        Checkpoint resumed = resumeFrom != null ? CheckpointManager.load(resumeFrom, io) : null;
        List<String> numericsChanged = resumed != null && resumed.numericsJson() != null
                ? Numerics.differences(Numerics.fromJson(resumed.numericsJson(), resumeFrom.toString()), numerics) : List.of();
        if (!numericsChanged.isEmpty() && !cfg.checkpointing().allowNumericsChange()) {
            throw new ConfigException("cannot resume from " + resumeFrom + ": settings that change the numbers differ from"
                    + " the checkpoint's (" + String.join(", ", numericsChanged) + "), so the run would not continue bit for"
                    + " bit; resume with the same settings, or pass allow-numerics-change (--allow-numerics-change)");
        }
        if (rank == 0) {
            Files.createDirectories(runDir);
            AtomicFile.writeString(runDir.resolve("config.json"), cfg.toJson());
            // a run with its own vocabulary keeps a copy, where evaluation looks for it; OpenAI's is built in
            if (ownsData && cfg.data().vocab() != null) VocabLocator.keepWithRun(Path.of(cfg.data().vocab()), runDir);
        }

        SplitMix64 rng = new SplitMix64(cfg.runtime().seed());
        long step = 0;
        int epoch = 0;
        long stepInEpoch = 0;
        long samplesSeen = 0;
        boolean epochOpen = false;
        TrainConfig resumedConfig = null;
        LossSpikeGuard spikes = new LossSpikeGuard(cfg.runtime().lossSpikeFactor());
        if (resumed != null) {
            Checkpoint c = resumed;
            if (c.lossGuardJson() != null) spikes.restore(c.lossGuardJson());
            resumedConfig = savedConfig(c);
            model.parameters().load(c.model(), true);
            TrainingState s = c.state();
            optimizer.restore(s.optimizerStep(), c.optimizer());
            step = s.step();
            epoch = s.epoch();
            stepInEpoch = s.stepInEpoch();
            samplesSeen = s.samplesSeen();
            rng.setState(s.rngState());
            data.restore(RankStates.forRank(s.dataState(), rank, world, cfg.data().dataOrder(), resumeFrom));
            epochOpen = true;
        } else if (initFrom != null) {
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> init = new LinkedHashMap<>(CheckpointManager.loadWeights(initFrom));
            // a CLIP's weights start a SigLIP run: the bias is new, and keeps its initial value (-10)
            if (model.logitBias() != null) init.putIfAbsent("logit_bias", model.logitBias().value().dup());
            model.parameters().load(init, true);
        }
        model.setTraining(true);

        Path lastCheckpoint = null;
        long lastSavedStep = resumeFrom != null ? step : -1;
        double lastLoss = Double.NaN;
        try (RunReporter report = rank == 0 ? new RunReporter(runDir, cfg.runtime().logEvery(), interactive, resumeFrom != null ? step : -1,
                cfg.runtime().tensorboard()) : RunReporter.quiet(rank)) {
            report.info("%s run: model %s, %d steps of %d pairs (accum-freq %d), %d trainable parameters (AdamW state %d"
                            + " values), output %s",
                    resumeFrom != null ? "resumed (from " + resumeFrom + " at step " + step + ")" : "new",
                    cfg.model().name(), totalSteps, cfg.data().batchSize(), cfg.optimisation().accumFreq(), trainableCount(),
                    optimizer.stateSize(), runDir);
            if (world > 1) {
                report.info("distributed: %d ranks, %d pairs per rank per step (%d per micro-batch), data-order %s",
                        world, cfg.data().batchSize() / world, cfg.data().batchSize() / world / cfg.optimisation().accumFreq(),
                        cfg.data().dataOrder());
            }
            if (initFrom != null) report.info("initial weights from %s", initFrom);
            if (data.preprocessing() != null) report.info("images: %s", preprocessJson());
            report.info("numerics: %s", Numerics.toJson(numerics));
            report.attachToNextStep(numerics);
            if (!numericsChanged.isEmpty()) {
                report.warn("resuming with numerics settings changed since the checkpoint (allowed by allow-numerics-change;"
                        + " the run will not match an uninterrupted one): " + String.join(", ", numericsChanged));
            }
            if (resumedConfig != null) {
                List<String> changed = new ArrayList<>(cfg.differencesFrom(resumedConfig));
                // the thread count does not change results; the two below are about this invocation only
                changed.removeIf(d -> d.startsWith("resume:") || d.startsWith("threads:") || d.startsWith("allow-numerics-change:"));
                // checkpoints from before image-mean/-std were recorded in the config: the values come from their
                // preprocessing metadata, so nothing changed
                changed.removeIf(d -> d.startsWith("image-mean: null -> ") || d.startsWith("image-std: null -> "));
                if (!changed.isEmpty()) {
                    report.warn("resuming with options changed since the checkpoint (the run will not match an"
                            + " uninterrupted one): " + String.join(", ", changed));
                }
            }
            while (step < totalSteps) {
                if (!epochOpen) {
                    data.startEpoch(epoch, rng.nextLong());
                    stepInEpoch = 0;
                    epochOpen = true;
                }
                long t0 = System.nanoTime();
                Batch batch = stepsPerEpoch > 0 && stepInEpoch >= stepsPerEpoch ? null : data.next();
                if (world > 1 && stepsPerEpoch <= 0) batch = untilAnyRankRunsOut(batch);
                long t1 = System.nanoTime();
                if (batch == null) {
                    if (stepInEpoch == 0) throw new IllegalStateException("epoch " + epoch + " yielded no full batch of " + cfg.data().batchSize());
                    for (EpochListener l : epochListeners) l.onEpoch(epoch, step);
                    epoch++;
                    epochOpen = false;
                    continue;
                }
                if (batch.size() != cfg.data().batchSize() / world) {
                    throw new IllegalStateException("data source gave a batch of " + batch.size() + ", expected " + cfg.data().batchSize() / world
                            + (world > 1 ? " (batch-size " + cfg.data().batchSize() + " over " + world + " ranks)" : ""));
                }
                double lr = schedule.lr(step);
                long stepNumber = step + 1;
                long stepSeed = rng.nextLong();
                Nd4j.getRandom().setSeed(stepSeed);
                model.parameters().zeroGrad();
                TrainConfig.Optimisation o = cfg.optimisation();
                double loss = o.rankSlices() > 1
                        ? RankSlicedStep.run(model, batch, o.rankSlices(), o.accumFreq(), o.bnGhostBatch(), stepSeed)
                        : FeatureCachedStep.run(model, batch, o.accumFreq(), o.bnGhostBatch(), collective, stepSeed,
                        GradientSync.Mode.of(o.gradientSum()));
                if (!Double.isFinite(loss)) {
                    throw diverged(report, stepNumber, "loss is " + loss, lr);
                }
                double runningMean = spikes.mean();
                if (spikes.isSpike(loss)) {
                    throw diverged(report, stepNumber, String.format(java.util.Locale.ROOT,
                            "loss spiked to %.4f, %.1f times its running mean %.4f (loss-spike-factor %s)",
                            loss, loss / runningMean, runningMean, cfg.runtime().lossSpikeFactor()), lr);
                }
                double gradNorm = cfg.optimisation().gradClipNorm() > 0 ? GradientClipping.clip(model.parameters(), cfg.optimisation().gradClipNorm())
                        : GradientClipping.globalNorm(model.parameters());
                if (!Double.isFinite(gradNorm)) {
                    throw diverged(report, stepNumber, "gradient norm is " + gradNorm + " (" + firstNonFiniteGradient() + ")", lr);
                }
                optimizer.step(lr);
                model.clampLogitScale();
                if (world > 1) broadcastBuffers();
                step = stepNumber;
                stepInEpoch++;
                samplesSeen += cfg.data().batchSize();
                lastLoss = loss;
                long t2 = System.nanoTime();

                boolean epochEnds = stepsPerEpoch > 0 && stepInEpoch == stepsPerEpoch;
                Map<String, Double> evalMetrics = new LinkedHashMap<>();
                for (EvalHook h : evalHooks) {
                    if (evaluationDue(h, step, epoch, epochEnds)) evalMetrics.putAll(evaluate(h, step, report));
                }
                StepMetrics m = new StepMetrics(step, totalSteps, epoch, loss, lr, StrictMath.exp(model.logitScale().value().getDouble(0)),
                        gradNorm, samplesSeen, cfg.data().batchSize() / ((t2 - t0) / 1e9), (t1 - t0) / (double) (t2 - t0));
                report.step(m, evalMetrics);
                if (report.tensorboard() && (step % cfg.runtime().logEvery() == 0 || step == totalSteps)) {
                    report.histogram(step, "weights/norms", parameterNorms());
                }
                if ((cfg.checkpointing().every() > 0 && step % cfg.checkpointing().every() == 0) || step == totalSteps) {
                    lastCheckpoint = saveCheckpoint(step, epoch, stepInEpoch, samplesSeen, rng, numerics, spikes, report);
                    lastSavedStep = step;
                }
                for (StepListener l : stepListeners) l.onStep(m);
                if (stopAgreed() && step < totalSteps) {
                    if (lastSavedStep != step) lastCheckpoint = saveCheckpoint(step, epoch, stepInEpoch, samplesSeen, rng, numerics, spikes, report);
                    report.info("stopped on request after step %d of %d; continue with resume latest", step, totalSteps);
                    return new Result(step, samplesSeen, lastLoss, null, lastCheckpoint, true);
                }
            }
            if (stepsPerEpoch > 0 && stepInEpoch == stepsPerEpoch) {
                for (EpochListener l : epochListeners) l.onEpoch(epoch, step);
            }
            if (lastSavedStep != step) {
                lastCheckpoint = saveCheckpoint(step, epoch, stepInEpoch, samplesSeen, rng, numerics, spikes, report);
            }
            Path finalModel = runDir.resolve("model.safetensors");
            if (rank == 0) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put(dev.jclip.core.io.SafeTensors.CONFIG_KEY, model.config().toJson());
                meta.put("jclip.train_config", cfg.toJson());
                if (data.preprocessing() != null) meta.put(PreprocessConfig.METADATA_KEY, preprocessJson());
                if (vocabText != null) meta.put(dev.jclip.data.text.ClipTokenizer.METADATA_KEY, vocabText);
                meta.put("jclip.numerics", Numerics.toJson(numerics));
                CheckpointManager.writeAtomically(io, finalModel, model.parameters().stateDict(), meta);
            }
            if (world > 1) collective.barrier();   // every rank returns once the final model is on disk
            report.info("finished: %d steps, %d samples, final loss %.4f; weights in %s", step, samplesSeen, lastLoss, finalModel);
            if (lastCheckpoint == null) lastCheckpoint = checkpoints.latest().orElse(null);
            return new Result(step, samplesSeen, lastLoss, finalModel, lastCheckpoint, false);
        }
    }

    /** The checkpoint's training config, for the changed-options warning; null when absent or unreadable. */
    private TrainConfig savedConfig(Checkpoint c) {
        if (c.trainConfigJson() == null) return null;
        try {
            return TrainConfig.restore(c.trainConfigJson(), resumeFrom + " (train config)");
        } catch (ConfigException e) {
            return null;   // written by another version: nothing to compare, the resume itself does not depend on it
        }
    }

    /**
     * Stops the run: nothing is written for the failed step, so the newest checkpoint (from before it) stays; the
     * message says where to resume and with what.
     */
    private TrainingDivergedException diverged(RunReporter report, long step, String what, double lr) throws IOException {
        String last = checkpoints.latest().map(Path::toString).orElse("none");
        String msg = "step " + step + ": " + what + "; training stopped (last good checkpoint: " + last + ")";
        report.error(msg);
        if (!last.equals("none")) {
            report.error(String.format(java.util.Locale.ROOT, "to continue: resume %s with a lower learning rate (e.g. lr %.3g,"
                    + " half of this step's %.3g); if one batch caused it, its data come again on resume at step %d, so also"
                    + " change seed or data, or raise loss-spike-factor", last, lr / 2, lr, step));
        }
        return new TrainingDivergedException(step, msg);
    }

    private String firstNonFiniteGradient() {
        for (Parameter p : model.parameters()) {
            if (!p.trainable()) continue;
            double n = p.grad().norm2Number().doubleValue();
            if (!Double.isFinite(n)) return "first in " + p.name();
        }
        return "no single parameter";
    }

    /**
     * Whether {@code hook} runs after {@code step}: every {@code eval-every} steps, at the end of every N-th epoch
     * for its epoch frequency (open_clip's {@code val-frequency}, {@code zeroshot-frequency}), and at the last
     * step when either is set.
     */
    private boolean evaluationDue(EvalHook hook, long step, int epoch, boolean epochEnds) {
        long every = cfg.evaluation().every();
        int epochs = hook.epochFrequencyOption() == null ? 0 : (Integer) cfg.get(hook.epochFrequencyOption());
        return (every > 0 && step % every == 0) || (epochs > 0 && epochEnds && (epoch + 1) % epochs == 0)
                || (step == totalSteps && (every > 0 || epochs > 0));
    }

    /** Runs the hook in evaluation mode. A failing evaluation is logged, not fatal: training is what matters. */
    private Map<String, Double> evaluate(EvalHook hook, long step, RunReporter report) {
        model.setTraining(false);
        try {
            Map<String, Double> out = world > 1 ? hook.evaluate(model, step, collective) : hook.evaluate(model, step);
            return out == null ? Map.of() : out;
        } catch (Exception e) {
            report.error("evaluation at step " + step + " failed: " + e);
            return Map.of();
        } finally {
            model.setTraining(true);
        }
    }

    /**
     * Writes a checkpoint (rank 0; every rank's loader position goes into it) and returns its path on every rank.
     */
    private Path saveCheckpoint(long step, int epoch, long stepInEpoch, long samplesSeen, SplitMix64 rng,
                                Map<String, String> numerics, LossSpikeGuard spikes, RunReporter report) throws Exception {
        String dataState = world > 1 ? RankStates.join(Collectives.allGather(collective, data.state())) : data.state();
        Path p = null;
        if (rank == 0) {
            TrainingState s = new TrainingState(step, epoch, stepInEpoch, samplesSeen, optimizer.stepCount(), rng.state(), dataState);
            p = checkpoints.save(new Checkpoint(model.parameters().stateDict(), optimizer.stateTensors(), s,
                    cfg.toJson(), model.config().toJson(), preprocessJson(), Numerics.toJson(numerics), spikes.toJson()));
            report.info("checkpoint %s", p);
            for (CheckpointListener l : checkpointListeners) l.onCheckpoint(p, step);
        }
        if (world > 1) p = Path.of(Collectives.broadcast(collective, p == null ? "" : p.toString(), 0));
        return p;
    }

    /** Whether to stop now: in a distributed run, when any rank was asked to (all ranks then stop at the same step). */
    private boolean stopAgreed() {
        if (world == 1) return stopRequested;
        double[] flag = {stopRequested ? 1 : 0};
        collective.allReduceSum(flag);
        return flag[0] > 0;
    }

    /** For sources of unknown length: the epoch ends on every rank when one rank's data runs out. */
    private Batch untilAnyRankRunsOut(Batch batch) {
        double[] out = {batch == null ? 1 : 0};
        collective.allReduceSum(out);
        return out[0] > 0 ? null : batch;
    }

    /**
     * Copies rank 0's buffers (BatchNorm running statistics) to every rank after each step, as PyTorch's DDP does
     * at every forward pass: each rank's statistics came from its own slice of the batch (no SyncBatchNorm), and
     * evaluation and checkpoints must see one model.
     */
    private void broadcastBuffers() {
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> buffers = model.parameters().buffers();
        if (buffers.isEmpty()) return;
        int n = 0;
        for (var b : buffers.values()) n += (int) b.length();
        double[] all = new double[n];
        int at = 0;
        for (var b : buffers.values()) {
            double[] v = b.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        Collectives.broadcast(collective, all, 0);
        at = 0;
        for (var b : buffers.values()) {
            int len = (int) b.length();
            double[] v = java.util.Arrays.copyOfRange(all, at, at + len);
            b.assign(Nd4j.createFromArray(v).castTo(b.dataType()).reshape(b.shape()));
            at += len;
        }
    }

    private String preprocessJson() {
        return data.preprocessing() == null ? null : data.preprocessing().toJson();
    }

    /**
     * The config as the run will record it: {@code alpha-background}, {@code image-mean} and {@code image-std}
     * filled in from the data's image pipeline when not given, so config.json and checkpoints say what the model
     * saw; a value that contradicts the data, or one given for data that decodes no images, is an error.
     */
    static TrainConfig withDataPreprocessing(TrainConfig cfg, BatchSource data) {
        PreprocessConfig p = data.preprocessing();
        TrainConfig.Data d = cfg.data();
        if (p == null) {
            for (String o : List.of("alpha-background", "image-mean", "image-std")) {
                if (cfg.get(o) != null) {
                    throw new ConfigException(o + " is set but the training data decodes no images (its"
                            + " BatchSource has no preprocessing): leave it out");
                }
            }
            return cfg;
        }
        String used = p.alphaBackground().toString();
        if (d.alphaBackground() != null && !AlphaBackground.parse(d.alphaBackground()).equals(p.alphaBackground())) {
            throw new ConfigException("alpha-background is " + d.alphaBackground() + " but the training data's image"
                    + " pipeline composites over " + used + ": build the loader with the same background");
        }
        checkChannels(d.imageMean(), "image-mean", p.mean());
        checkChannels(d.imageStd(), "image-std", p.std());
        Map<String, Object> filled = new LinkedHashMap<>();
        if (d.alphaBackground() == null) filled.put("alpha-background", used);
        if (d.imageMean() == null) filled.put("image-mean", channelsText(p.mean()));
        if (d.imageStd() == null) filled.put("image-std", channelsText(p.std()));
        return filled.isEmpty() ? cfg : cfg.with(filled, "training data");
    }

    private static void checkChannels(String given, String option, float[] used) {
        if (given != null && !java.util.Arrays.equals(PreprocessConfig.channels(given, option), used)) {
            throw new ConfigException(option + " is " + given + " but the training data's image pipeline uses "
                    + channelsText(used) + ": build the loader with the same values");
        }
    }

    /** R,G,B as the options take them (Float's shortest exact form, so parsing it back gives the same floats). */
    private static String channelsText(float[] v) {
        return v[0] + "," + v[1] + "," + v[2];
    }

    /** open_clip's {@code lock_image_tower} / {@code lock_text_tower} as configured; locked parameters lose their gradients. */
    static void lockTowers(ClipModel model, TrainConfig cfg) {
        TrainConfig.Model m = cfg.model();
        if (m.lockImage()) model.lockImageTower(m.lockImageUnlockedGroups(), m.lockImageFreezeBnStats());
        if (m.lockText()) model.lockTextTower(m.lockTextUnlockedLayers(), m.lockTextFreezeLayerNorm());
        model.parameters().releaseFrozenGradients();
    }

    /** Every parameter's L2 norm (one read of the weights; for the TensorBoard histogram). */
    private double[] parameterNorms() {
        List<Double> norms = new ArrayList<>();
        for (Parameter p : model.parameters()) norms.add(p.value().norm2Number().doubleValue());
        return norms.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private long trainableCount() {
        long n = 0;
        for (Parameter p : model.parameters()) if (p.trainable()) n += p.size();
        return n;
    }

    /** Collects the run's parts; {@link #build()} checks them all before anything is written. */
    public static final class Builder {
        private TrainConfig config;
        private ClipModel model;
        private BatchSource data;
        private final List<EvalHook> evalHooks = new ArrayList<>();
        private final List<StepListener> stepListeners = new ArrayList<>();
        private final List<EpochListener> epochListeners = new ArrayList<>();
        private final List<CheckpointListener> checkpointListeners = new ArrayList<>();
        private TensorFile io = new SafeTensorsFile();
        private boolean interactive = System.console() != null;
        private Collective collective = new LocalCollective();

        private Builder() {
        }

        public Builder config(TrainConfig config) {
            this.config = config;
            return this;
        }

        /** A model to train; by default one is created from {@code config.model()} and {@code config.seed()}. */
        public Builder model(ClipModel model) {
            this.model = model;
            return this;
        }

        /**
         * The batches to train on; without one, {@link #build()} opens {@code train-data} with {@code vocab}
         * ({@link TrainingData}) and {@link #fit()} closes it. A source passed here is the caller's to close.
         */
        public Builder data(BatchSource data) {
            this.data = data;
            return this;
        }

        /**
         * Adds an evaluation, run every {@code eval-every} steps, every {@link EvalHook#epochFrequencyOption()}
         * epochs, and at the last step; the metrics of all hooks due at a step share its metrics line.
         */
        public Builder evalHook(EvalHook hook) {
            evalHooks.add(Objects.requireNonNull(hook));
            return this;
        }

        public Builder onStep(StepListener l) {
            stepListeners.add(Objects.requireNonNull(l));
            return this;
        }

        public Builder onEpoch(EpochListener l) {
            epochListeners.add(Objects.requireNonNull(l));
            return this;
        }

        public Builder onCheckpoint(CheckpointListener l) {
            checkpointListeners.add(Objects.requireNonNull(l));
            return this;
        }

        /** The checkpoint file format (default: safetensors). */
        public Builder tensorFile(TensorFile io) {
            this.io = Objects.requireNonNull(io);
            return this;
        }

        /**
         * This process's place in a distributed run (default: {@link LocalCollective}, a world of one). Every
         * rank builds its own Trainer with the same config; {@link #build()} is then a collective call.
         */
        public Builder collective(Collective collective) {
            this.collective = Objects.requireNonNull(collective);
            return this;
        }

        /** Whether to draw a progress line on the terminal (default: when a console is attached). */
        public Builder interactive(boolean interactive) {
            this.interactive = interactive;
            return this;
        }

        /**
         * Validates everything that can be checked up front; throws {@link ConfigException} naming the problem:
         * the config's values, the model name, an option set explicitly that this run would not use, data that
         * does not fit the model, the step count, the schedule, the checkpoint to resume or the weights to start from.
         */
        public Trainer build() throws IOException {
            if (collective.worldSize() == 1) {
                Prepared p = prepare();
                return finish(p, p.stepsPerEpoch());
            }
            // distributed: a rank that fails to prepare makes every rank fail, with its message, instead of
            // leaving the others waiting; configurations that differ across ranks are refused the same way
            Prepared p = null;
            Exception failure = null;
            try {
                p = prepare();
            } catch (RuntimeException | IOException e) {
                failure = e;
            }
            long perEpoch;
            try {
                perEpoch = RankAgreement.check(collective, p == null ? null : RankAgreement.describe(config, p.modelCfg(), p.data()),
                        failure, p == null ? -1 : p.stepsPerEpoch());
            } catch (RuntimeException e) {
                if (p != null && data == null) closeQuietly(p.data(), e);
                throw e;
            }
            return finish(p, perEpoch);
        }

        /** What {@link #prepare()} opened and measured. */
        private record Prepared(ClipConfig modelCfg, BatchSource data, long stepsPerEpoch) {
        }

        /** The checks of this rank alone: config, model, data and its shape, the data's length in steps. */
        private Prepared prepare() throws IOException {
            if (config == null) throw new ConfigException("no training config given");
            config.validate();
            refuseUnusedOptions();
            ClipConfig modelCfg = modelConfig(config);
            checkWorld(config, modelCfg, collective.worldSize());
            if (model != null && !model.config().equals(modelCfg)) {
                throw new ConfigException("the model passed in does not match model '" + config.model().name() + "'");
            }
            int world = collective.worldSize();
            boolean global = world > 1 && "global".equals(config.data().dataOrder());
            BatchSource source = data != null ? data : TrainingData.open(config, modelCfg, collective.rank(), world);
            if (global) source = new RankSlice(source, collective.rank(), world, data == null);
            try {
                checkShape(source.shape(), modelCfg, config, world);
                config = withDataPreprocessing(config, source);
                long samples = source.samplesPerEpoch();
                int local = config.data().batchSize() / world;
                long perEpoch = samples > 0 ? samples / local : -1;
                // train-num-samples, where given, is what an epoch means (a resampled or unsized stream has no size);
                // like open_clip's, it counts the pairs of all ranks
                long numSamples = config.data().trainNumSamples();
                if (numSamples > 0) {
                    perEpoch = numSamples / config.data().batchSize();
                    if (perEpoch == 0) {
                        throw new ConfigException("train-num-samples is " + numSamples + " pairs, fewer than one batch of " + config.data().batchSize());
                    }
                } else if (samples > 0 && perEpoch == 0) {
                    throw new ConfigException("train-data has " + samples + " pairs" + (world > 1 && !global ? " for rank " + collective.rank() : "")
                            + ", fewer than one batch of " + local);
                }
                return new Prepared(modelCfg, source, perEpoch);
            } catch (RuntimeException e) {
                if (data == null || global) closeQuietly(source, e);
                throw e;
            }
        }

        /**
         * What a distributed run (or its one-process reproduction, {@code rank-slices}) cannot do, refused before
         * any work: rank-slices on several ranks, the SigLIP loss over ranks or rank slices (it has no per-rank form
         * yet; a model JSON with {@code init_logit_bias} is SigLIP too), and a global batch that does not split
         * into world x accum-freq micro-batches.
         */
        static void checkWorld(TrainConfig config, ClipConfig model, int world) {
            refuseContrastiveOnlyOptions(config, model, world);
            int slices = config.optimisation().rankSlices();
            if (slices > 0 && world > 1) {
                throw new ConfigException("rank-slices " + slices + " reproduces a distributed run in one process; this run has "
                        + world + " ranks: leave rank-slices out and use gradient-sum rank-order");
            }
            if (model.isSiglip() && (world > 1 || slices > 1)) {
                String which = config.model().siglip() ? "siglip" : "model '" + config.model().name() + "' has init_logit_bias (SigLIP's sigmoid loss)";
                throw new ConfigException(which + ": the sigmoid loss is not split over ranks yet, so "
                        + (world > 1 ? "it cannot train on " + world + " ranks; train it in one process"
                        : "rank-slices " + slices + " cannot compute it per rank slice; leave rank-slices out"));
            }
            if (slices > 1) checkSplit(config, slices, "rank slices");
            if (world == 1) return;
            checkSplit(config, world, "ranks");
        }

        /**
         * The bag-of-words and caption-LM objectives train in one process, one micro-batch a step: the options of the
         * contrastive path (accumulation over the whole batch's features, ranks and their one-process reproduction,
         * ghost batch norm over ranks' slices) are refused, each named. (SigLIP with them is refused by TrainConfig.)
         */
        private static void refuseContrastiveOnlyOptions(TrainConfig config, ClipConfig model, int world) {
            Objective objective = model.objective();
            if (!objective.predictsCaption()) return;
            List<String> refused = new ArrayList<>();
            if (world > 1) refused.add(world + " ranks (train it in one process)");
            if (config.optimisation().rankSlices() > 0) refused.add("rank-slices " + config.optimisation().rankSlices());
            if (config.optimisation().accumFreq() > 1) refused.add("accum-freq " + config.optimisation().accumFreq());
            if (config.optimisation().bnGhostBatch() > 0) refused.add("bn-ghost-batch " + config.optimisation().bnGhostBatch());
            if (config.data().dataOrder() != null && !"shards".equals(config.data().dataOrder())) refused.add("data-order " + config.data().dataOrder());
            if (config.evaluation().valData() != null) refused.add("val-data (the validation loss and retrieval are contrastive)");
            if (!refused.isEmpty()) {
                throw new ConfigException("objective " + objective + " trains in one process with the whole batch in one pass; these"
                        + " options belong to the contrastive path: " + String.join(", ", refused));
            }
        }

        /** The global batch splits into {@code parts} (ranks or rank slices) x accum-freq micro-batches, and bn-ghost-batch divides them. */
        private static void checkSplit(TrainConfig config, int parts, String what) {
            int batch = config.data().batchSize(), accum = config.optimisation().accumFreq();
            if (batch % ((long) parts * accum) != 0) {
                throw new ConfigException("batch-size " + batch + " (the global batch) does not split over " + parts + " " + what + " x accum-freq "
                        + accum + ": each rank's micro-batch is batch-size / (ranks x accum-freq), so batch-size must be a multiple of "
                        + (long) parts * accum);
            }
            int ghost = config.optimisation().bnGhostBatch();
            int micro = batch / parts / accum;
            if (ghost > 0 && micro % ghost != 0) {
                throw new ConfigException("bn-ghost-batch " + ghost + " does not divide each rank's micro-batch of " + micro);
            }
        }

        /**
         * The architecture of {@code model} with open_clip's overrides: the patch dropout of {@code force-patch-dropout},
         * the sigmoid loss with {@code siglip}.
         */
        static ClipConfig modelConfig(TrainConfig config) {
            ClipConfig c = ClipConfig.load(config.model().name());
            if (config.model().forcePatchDropout() != null) {
                try {
                    c = c.withPatchDropout(config.model().forcePatchDropout());
                } catch (ConfigException e) {
                    throw new ConfigException("force-patch-dropout: " + e.getMessage());
                }
            }
            c = c.withObjective(Objective.parse(config.model().objective()));
            return config.model().siglip() ? c.withSiglip() : c;
        }

        /**
         * An option the user set that this run would ignore is an error, never silently dropped: the data
         * options when a source is passed in, the evaluation options that no hook reads. Defaults and values
         * restored from a saved run are not explicit, so they never trip this.
         */
        private void refuseUnusedOptions() {
            List<String> unused = new ArrayList<>();
            if (data != null) {
                for (String o : List.of("train-data", "vocab", "workers", "dataset-resampled", "train-data-upsampling-factors", "aug-cfg")) {
                    if (config.isExplicit(o)) unused.add(o + " (the BatchSource passed to data() is used instead)");
                }
            }
            if (evalHooks.isEmpty() && config.isExplicit("eval-every")) unused.add("eval-every (no evaluation hook is set)");
            java.util.Set<String> read = new java.util.LinkedHashSet<>();
            for (EvalHook h : evalHooks) read.addAll(h.options());
            for (String o : List.of("zeroshot-dataset", "zeroshot-templates", "zeroshot-limit", "zeroshot-frequency", "val-data", "val-frequency")) {
                if (config.isExplicit(o) && !read.contains(o)) {
                    unused.add(o + " (no evaluation hook reads it" + (evalHooks.isEmpty() ? "" : "; the hooks read " + read) + ")");
                }
            }
            if (!unused.isEmpty()) {
                throw new ConfigException("option(s) set but not used by this run: " + String.join("; ", unused));
            }
        }

        /** The source's batches against the model and the config, each mismatch named. */
        private static void checkShape(BatchSource.Shape shape, ClipConfig model, TrainConfig config, int world) {
            List<String> problems = new ArrayList<>();
            if (shape.batchSize() != config.data().batchSize() / world) {
                problems.add("it gives batches of " + shape.batchSize() + " pairs but batch-size is " + config.data().batchSize()
                        + (world > 1 ? ", " + config.data().batchSize() / world + " per rank over " + world + " ranks" : ""));
            }
            if (shape.imageSize() != model.vision().imageSize()) {
                problems.add("its images are " + shape.imageSize() + " pixels square but model '" + config.model().name()
                        + "' takes " + model.vision().imageSize());
            }
            if (shape.contextLength() != model.text().contextLength()) {
                problems.add("its captions are " + shape.contextLength() + " tokens long but model '" + config.model().name()
                        + "' has a context length of " + model.text().contextLength());
            }
            if (shape.vocabSize() > model.text().vocabSize()) {
                problems.add("its token ids go up to " + (shape.vocabSize() - 1) + " but model '" + config.model().name()
                        + "' embeds only " + model.text().vocabSize() + " tokens");
            }
            if (!problems.isEmpty()) {
                throw new ConfigException("the training data does not fit the model: " + String.join("; ", problems));
            }
        }

        private static void closeQuietly(BatchSource source, Exception failure) {
            try {
                source.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }

        /** The rest of the checks, with the steps per epoch all ranks agreed on; closes an opened source on failure. */
        private Trainer finish(Prepared p, long perEpoch) throws IOException {
            try {
                return build(p.modelCfg(), p.data(), perEpoch);
            } catch (RuntimeException | IOException e) {
                if (data == null || p.data() instanceof RankSlice) closeQuietly(p.data(), e);
                throw e;
            }
        }

        private Trainer build(ClipConfig modelCfg, BatchSource data, long perEpoch) throws IOException {
            long total;
            if (config.schedule().steps() > 0) total = config.schedule().steps();
            else if (perEpoch > 0) total = perEpoch * config.schedule().epochs();
            else throw new ConfigException("the size of train-data is unknown: give the number of steps (steps) or the pairs per epoch (train-num-samples)");
            if (perEpoch <= 0 && (config.evaluation().valFrequency() > 0 || config.evaluation().zeroshotFrequency() > 0)) {
                throw new ConfigException("val-frequency and zeroshot-frequency count epochs, but the size of train-data is"
                        + " unknown: give train-num-samples, or evaluate every N steps (eval-every)");
            }
            LrSchedule schedule;
            TrainConfig.Schedule sc = config.schedule();
            try {
                schedule = LrSchedule.named(sc.lrScheduler(), config.optimisation().lr(), sc.warmup(), total,
                        sc.lrCooldownSteps(), sc.lrCooldownPower(), sc.lrCooldownEnd());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage() + " (total steps " + total + ")");
            }
            Path out = Path.of(config.checkpointing().output());
            Path resumeFrom = null;
            if (config.checkpointing().resume() != null) {
                try {
                    resumeFrom = new CheckpointManager(out.resolve("checkpoints"), 0, io).resolve(config.checkpointing().resume());
                } catch (IOException e) {
                    throw new ConfigException("cannot resume: " + e.getMessage());
                }
            } else if (Files.isDirectory(out.resolve("checkpoints"))
                    && !new CheckpointManager(out.resolve("checkpoints"), 0, io).list().isEmpty()) {
                throw new ConfigException("output " + out + " already holds checkpoints: pass resume latest to continue"
                        + " or choose a new output folder");
            }
            Path initFrom = null;
            if (config.model().init() != null) {
                initFrom = Path.of(config.model().init());
                if (!Files.isRegularFile(initFrom)) throw new ConfigException("init weights not found: " + initFrom);
            }
            if (config.model().lockImageUnlockedGroups() > 0 && modelCfg.vision().isResNet()) {
                throw new ConfigException("lock-image-unlocked-groups: partial locking of a ResNet image tower is not"
                        + " supported (open_clip refuses it too); lock it whole");
            }
            ClipModel m = model != null ? model : ClipModel.create(modelCfg, config.runtime().seed(),
                    "float64".equals(config.model().precision()) ? DataType.DOUBLE : DataType.FLOAT);
            return new Trainer(this, m, data, total, perEpoch, schedule, resumeFrom, initFrom);
        }
    }
}
