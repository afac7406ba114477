package dev.jclip.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Entry point of the {@code clip} command: dispatches to a {@link Command} by its leading words. */
public final class Main {

    /** Every command, in the order {@code --help} lists them. */
    static List<Command> commands() {
        List<Command> all = new ArrayList<>();
        all.add(new dev.jclip.cli.commands.DemoCommand());
        all.add(new dev.jclip.cli.commands.FeaturesCommand());
        all.add(new dev.jclip.cli.commands.EncodeCommand());
        all.add(new dev.jclip.cli.commands.InfoCommand());
        all.add(new dev.jclip.cli.commands.ConvertCommand());
        all.add(new dev.jclip.cli.commands.TokenizeCommand());
        all.add(new dev.jclip.cli.commands.TokenizerTrainCommand());
        all.add(new dev.jclip.cli.commands.MakeShardsCommand());
        all.add(new dev.jclip.cli.commands.LabelShardsCommand());
        all.add(new dev.jclip.cli.commands.DataStatsCommand());
        all.add(new dev.jclip.cli.commands.TrainCommand());
        all.add(new dev.jclip.cli.commands.EvalZeroShotCommand());
        all.add(new dev.jclip.cli.commands.EvalRetrievalCommand());
        all.add(new dev.jclip.cli.commands.EvalLinearProbeCommand());
        all.add(new dev.jclip.cli.commands.BenchTrainCommand());
        all.add(new dev.jclip.cli.commands.BenchTokenizerCommand());
        all.add(new dev.jclip.cli.commands.BenchLoaderCommand());
        all.add(new dev.jclip.cli.commands.PretrainedListCommand(Main::options));
        all.add(new dev.jclip.cli.commands.PretrainedFetchCommand(Main::options));
        return all;
    }

    /** Pretrained downloads: cache, offline mode, mirror and registry from the environment. */
    static dev.jclip.api.ClipOptions options() {
        dev.jclip.api.ClipOptions env = dev.jclip.api.ClipOptions.fromEnvironment();
        return offline ? env.withOffline(true) : env;
    }

    /** {@code --offline} on this command line (consumed before the command parses its options). */
    private static volatile boolean offline;

    public static void main(String[] argv) {
        System.exit(run(argv));
    }

    static {
        dev.jclip.cli.commands.EncoderLoader.vocabHook = (checkpoint, vocab) -> {
            dev.jclip.core.model.ClipModel model = ModelLoader.load(checkpoint, null);
            return new dev.jclip.eval.ModelEncoder(model,
                    VocabLocator.tokenizerFor(checkpoint, vocab, model.config().text().vocabSize()));
        };
        dev.jclip.cli.commands.EncoderLoader.hook = checkpoint -> dev.jclip.cli.commands.EncoderLoader.vocabHook.apply(checkpoint, null);
    }

    public static int run(String... argv) {
        Runtime.quietNd4j();
        List<String> words = Arrays.asList(argv);
        if (words.isEmpty() || words.get(0).equals("--help") || words.get(0).equals("-h") || words.get(0).equals("help")) {
            printHelp();
            return words.isEmpty() ? 2 : 0;
        }
        Command best = null;
        int bestLen = 0;
        for (Command c : commands()) {
            String[] name = c.name().split(" ");
            if (name.length <= words.size() && name.length > bestLen
                    && Arrays.equals(name, words.subList(0, name.length).toArray(new String[0]))) {
                best = c;
                bestLen = name.length;
            }
        }
        if (best == null) {
            System.err.println("clip: unknown command '" + String.join(" ", words) + "'; see clip --help");
            return 2;
        }
        List<String> rest = words.subList(bestLen, words.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            System.out.println("clip " + best.name() + ": " + best.summary());
            return 0;
        }
        try {
            offline = rest.contains("--offline");
            Args args = new Args(List.of(PretrainedOption.expand(rest.toArray(new String[0]), Main::options)));
            return best.run(args);
        } catch (UsageException e) {
            System.err.println("clip " + best.name() + ": " + e.getMessage());
            return 2;
        } catch (Throwable e) {
            if (isBackendFailure(e)) {
                System.err.println("clip: could not start ND4J's backend (" + rootMessage(e) + ").\n"
                        + "  A CUDA build (mvn -Pcuda) needs an NVIDIA GPU with the CUDA 11.6 driver and runtime;"
                        + " build without -Pcuda to run on the CPU (nd4j-native).");
                return 3;
            }
            System.err.println("clip " + best.name() + ": error: " + rootMessage(e));
            if (System.getenv("JCLIP_DEBUG") != null) e.printStackTrace();
            return 1;
        }
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

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private static void printHelp() {
        System.out.println("clip: CLIP training and evaluation on the JVM (jclip)\n\nCommands:");
        for (Command c : commands()) {
            System.out.printf("  %-22s %s%n", c.name(), c.summary());
        }
        System.out.println("\nclip COMMAND --help describes one command.");
    }
}
