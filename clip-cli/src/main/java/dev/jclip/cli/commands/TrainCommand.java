package dev.jclip.cli.commands;

import dev.jclip.cli.ClipCommand;
import dev.jclip.cli.demo.RunReport;
import dev.jclip.core.config.ClipConfig;
import dev.jclip.eval.ValidationTrainingHook;
import dev.jclip.eval.zeroshot.ZeroShotTrainingHook;
import dev.jclip.train.BatchSource;
import dev.jclip.train.TrainConfig;
import dev.jclip.train.TrainOption;
import dev.jclip.train.Trainer;
import dev.jclip.train.TrainingDivergedException;
import dev.jclip.train.dist.Collective;
import dev.jclip.train.dist.Collectives;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code clip train}: contrastive training of a CLIP model, open_clip style.
 * <pre>
 * clip train --model ViT-tiny --train-data 'shards/{0000..0009}.tar' --batch-size 256 --accum-freq 4 --epochs 5 \
 *            --lr 5e-4 --warmup 100 --output runs/exp1 [--resume latest] [--config run.json] ...
 * </pre>
 * Its options are the training options of {@link TrainOption#ALL}, one flag each ({@link Flags}), mapped onto a
 * {@link TrainConfig} in one place ({@link #config}): command line over {@code --config FILE} over the defaults.
 * The library does the rest: the {@link Trainer} opens the data, checks everything and trains.
 */
@Command(name = "train", description = "train a CLIP model (options as open_clip's; see docs/TRAINING.md)",
        modelTransformer = TrainCommand.Flags.class, sortOptions = false, abbreviateSynopsis = true)
public final class TrainCommand extends ClipCommand {

    /**
     * Adds one typed flag per training option, with its description and default, to the command's model; the
     * help lists them under their concern.
     */
    public static final class Flags implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            TrainConfig defaults = TrainConfig.defaults();
            for (TrainOption.Concern concern : TrainOption.Concern.values()) {
                ArgGroupSpec.Builder group = ArgGroupSpec.builder().exclusive(false).multiplicity("0..1")
                        .heading("%n" + concern.name().charAt(0) + concern.name().substring(1).toLowerCase(Locale.ROOT) + ":%n");
                for (String name : TrainOption.of(concern)) {
                    String flag = "--" + name;
                    if (spec.optionsMap().containsKey(flag)) continue;   // --threads: every command's
                    TrainOption o = TrainOption.named(name, "clip train");
                    Object dflt = defaults.get(name);
                    OptionSpec.Builder b = OptionSpec.builder(flag).type(o.type())
                            .description(o.description() + (dflt == null ? "" : " (default: " + dflt + ")"));
                    if (o.type() == Boolean.class) b.arity("0..1").paramLabel("true|false");
                    else b.paramLabel(name.replace('-', '_').toUpperCase(Locale.ROOT));
                    group.addArg(b.build());
                }
                if (!group.args().isEmpty()) spec.addArgGroup(group.build());
            }
            return spec;
        }
    }

    @Option(names = "--config", paramLabel = "FILE.json", description = "training options as JSON (names as the flags); flags override them")
    Path configFile;

    @Mixin
    ImageOptions images;

    @Mixin
    DistBackendOption dist;

    @Spec
    CommandSpec spec;

    private final Function<TrainConfig, BatchSource> data;

    public TrainCommand() {
        this(null);
    }

    /** With another data source (tests); null: the trainer opens {@code train-data}. */
    public TrainCommand(Function<TrainConfig, BatchSource> data) {
        this.data = data;
    }

    @Override
    protected int run() throws Exception {
        TrainConfig cfg = config();
        cfg.validate();
        // mpirun / srun: the MPI collective (clip-dist), else one process (--dist-backend, docs/SCALING.md)
        Collective collective = dist.open();
        boolean finished = false;
        try {
            Trainer.Builder builder = Trainer.builder().config(cfg).collective(collective);
            if (cfg.evaluation().zeroshotDataset() != null) {
                builder.evalHook(ZeroShotTrainingHook.open(cfg.validate(), ClipConfig.load(cfg.model().name())));
            }
            if (cfg.evaluation().valData() != null) {
                builder.evalHook(ValidationTrainingHook.open(cfg.validate(), ClipConfig.load(cfg.model().name())));
            }
            BatchSource source = data == null ? null : data.apply(cfg);
            try {
                if (source != null) builder.data(source);
                int rc = fitStoppingOnShutdown(builder.build(), collective.rank() == 0);
                finished = true;
                return rc;
            } catch (TrainingDivergedException e) {
                // every rank diverges at the same step (the loss and gradients are the same everywhere)
                System.err.println("clip train" + (collective.worldSize() > 1 ? " (rank " + collective.rank() + ")" : "") + ": " + e.getMessage());
                finished = true;
                return 3;
            } finally {
                if (source != null) source.close();
            }
        } finally {
            // a rank that failed ends the job: a normal close would wait for the others forever
            if (finished || collective.worldSize() == 1) collective.close();
            else Collectives.abort(collective, 1, "clip train: rank " + collective.rank() + " of " + collective.worldSize() + " failed");
        }
    }

    /** The flags given on the command line over {@code --config FILE} over the defaults: the one mapping. */
    TrainConfig config() {
        Map<String, Object> given = new LinkedHashMap<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String name = o.longestName().substring(2);
            if (TrainOption.names().contains(name)) given.put(name, o.getValue());
        }
        TrainConfig base = configFile != null ? TrainConfig.load(configFile) : TrainConfig.defaults();
        return base.with(given, "command line");
    }

    /**
     * Trains, writes report.html (rank 0) and prints the outcome. On Ctrl-C (JVM shutdown) a hook asks the trainer to stop after the current
     * step and holds the JVM until that step's checkpoint is written and reported, so the run resumes exactly.
     */
    private static int fitStoppingOnShutdown(Trainer trainer, boolean writeReport) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                finished.await(10, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "clip-train-stop");
        java.lang.Runtime.getRuntime().addShutdownHook(hook);
        try {
            Trainer.Result r = trainer.fit();
            if (writeReport) System.out.println("report: " + RunReport.write(trainer.runDir()));   // rank 0 owns the run folder
            if (r.stopped()) {
                System.out.printf("stopped after step %d; checkpoint: %s%ncontinue with the same command and --resume latest%n",
                        r.steps(), r.lastCheckpoint());
                System.out.flush();
                return 130;
            }
            System.out.printf("trained %d steps (%d samples), final loss %.4f%nweights: %s%ncheckpoint: %s%n",
                    r.steps(), r.samplesSeen(), r.lastLoss(), r.finalModel(), r.lastCheckpoint());
            return 0;
        } finally {
            finished.countDown();
            try {
                java.lang.Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running and has just been released
            }
        }
    }
}
