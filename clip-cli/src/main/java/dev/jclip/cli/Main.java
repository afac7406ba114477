package dev.jclip.cli;

import dev.jclip.cli.repro.ReproCommand;
import dev.jclip.cli.commands.BenchDistCommand;
import dev.jclip.cli.commands.BenchLoaderCommand;
import dev.jclip.cli.commands.PretrainedFetchCommand;
import dev.jclip.cli.commands.PretrainedListCommand;
import dev.jclip.cli.commands.BenchTokenizerCommand;
import dev.jclip.cli.commands.BenchTrainCommand;
import dev.jclip.cli.commands.CompletionCommand;
import dev.jclip.cli.commands.ConvertCommand;
import dev.jclip.cli.commands.DataStatsCommand;
import dev.jclip.cli.commands.DemoCommand;
import dev.jclip.cli.commands.EncodeCommand;
import dev.jclip.cli.commands.EvalFewShotCommand;
import dev.jclip.cli.commands.EvalLinearProbeCommand;
import dev.jclip.cli.commands.EvalRetrievalCommand;
import dev.jclip.cli.commands.EvalZeroShotCommand;
import dev.jclip.cli.commands.FeaturesCommand;
import dev.jclip.cli.commands.InfoCommand;
import dev.jclip.cli.commands.LabelShardsCommand;
import dev.jclip.cli.commands.MakeShardsCommand;
import dev.jclip.cli.commands.TokenizeCommand;
import dev.jclip.cli.commands.TokenizerTrainCommand;
import dev.jclip.cli.commands.TrainCommand;
import dev.jclip.core.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * Entry point of the {@code clip} command. Exit codes: 0 success, 1 a failure while working, 2 bad arguments
 * (unknown option, bad value, bad configuration), 3 ND4J's backend could not start (or training diverged),
 * 130 training stopped on Ctrl-C.
 */
@Command(name = "clip", description = "CLIP training and evaluation on the JVM (jclip)",
        footer = "%nclip COMMAND --help describes one command; clip completion writes a bash completion script.",
        subcommands = {DemoCommand.class, ReproCommand.class, FeaturesCommand.class, EncodeCommand.class, InfoCommand.class,
                ConvertCommand.class, TokenizeCommand.class, Main.Tokenizer.class, Main.Data.class,
                TrainCommand.class, Main.Eval.class, Main.Bench.class, Main.Pretrained.class, CompletionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main extends CommandGroup {

    @Command(name = "tokenizer", description = "BPE vocabularies", subcommands = TokenizerTrainCommand.class)
    static final class Tokenizer extends CommandGroup {
    }

    @Command(name = "data", description = "datasets: WebDataset shards, statistics",
            subcommands = {MakeShardsCommand.class, LabelShardsCommand.class, DataStatsCommand.class})
    static final class Data extends CommandGroup {
    }

    @Command(name = "eval", description = "evaluate a checkpoint",
            subcommands = {EvalZeroShotCommand.class, EvalRetrievalCommand.class, EvalLinearProbeCommand.class, EvalFewShotCommand.class})
    static final class Eval extends CommandGroup {
    }

    @Command(name = "bench", description = "measure speed",
            subcommands = {BenchTrainCommand.class, BenchTokenizerCommand.class, BenchLoaderCommand.class,
                    BenchDistCommand.class})
    static final class Bench extends CommandGroup {
    }

    @Command(name = "pretrained", description = "pretrained weights by name and tag: list them, fetch them into the cache",
            subcommands = {PretrainedListCommand.class, PretrainedFetchCommand.class})
    static final class Pretrained extends CommandGroup {
    }

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    /** Runs {@code clip ARGV...} and returns the exit code. */
    public static int run(String... argv) {
        Runtime.quietNd4j();
        return commandLine().execute(argv);
    }

    /** The whole command tree, with the exit-code mapping. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::badArguments);
        cl.setExecutionExceptionHandler((e, failed, parsed) -> failure(e, failed.getCommandSpec().qualifiedName()));
        return cl;
    }

    /**
     * Parses {@code argv} into {@code command} and runs it, letting exceptions through: how tests run one command.
     * Bad arguments (unknown option, missing or badly typed value) are a {@link UsageException}.
     */
    public static int invoke(Callable<Integer> command, List<String> argv) throws Exception {
        CommandLine cl = new CommandLine(command);
        try {
            cl.parseArgs(argv.toArray(String[]::new));
        } catch (ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        return command.call();
    }

    private static int badArguments(ParameterException e, String[] argv) {
        CommandLine cl = e.getCommandLine();
        System.err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, System.err);
        System.err.println("see '" + cl.getCommandSpec().qualifiedName() + " --help'");
        return 2;
    }

    private static int failure(Exception e, String command) {
        if (e instanceof UsageException || e instanceof ConfigException) {
            System.err.println(command + ": " + e.getMessage());
            return 2;
        }
        if (isBackendFailure(e)) {
            System.err.println("clip: could not start ND4J's backend (" + rootMessage(e) + ").\n"
                    + "  A CUDA build (mvn -Pcuda) needs an NVIDIA GPU with the CUDA 11.6 driver and runtime;"
                    + " build without -Pcuda to run on the CPU (nd4j-native).");
            return 3;
        }
        System.err.println(command + ": error: " + contextMessage(e));
        if (System.getenv("JCLIP_DEBUG") != null) e.printStackTrace();
        return 1;
    }

    /** True when the failure comes from loading ND4J's native backend (no GPU, missing CUDA, wrong platform). */
    static boolean isBackendFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnsatisfiedLinkError || t instanceof NoClassDefFoundError) return true;
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("nd4j backend") || m.contains("libcuda") || m.contains("cuda driver")
                    || m.contains("no cuda") || m.contains("jnind4j") || m.contains("nd4j-native")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The message that says the most: the outermost one that adds to its cause's (a wrapper's names the file
     * and the operation; the root cause alone can be a bare "Is a directory"), else the root cause's.
     */
    static String contextMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            boolean onlyRepeatsCause = t.getCause() != null && m != null && m.equals(t.getCause().toString());
            if (m != null && !m.isBlank() && !onlyRepeatsCause) {
                return t instanceof StackOverflowError || t instanceof OutOfMemoryError ? t.getClass().getSimpleName() + ": " + m : m;
            }
        }
        return rootMessage(e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
