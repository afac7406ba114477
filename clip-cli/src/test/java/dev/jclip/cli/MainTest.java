package dev.jclip.cli;

import dev.jclip.train.TrainOption;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command tree as a user meets it: help, unknown options, --threads everywhere, completion, exit codes. */
class MainTest {
    @Test
    void helpListsEveryCommandAndEachCommandDescribesItsOptions() {
        CliRun top = CliRun.clip("--help");
        assertEquals(0, top.code());
        for (String c : List.of("demo", "features", "encode", "info", "convert", "tokenize", "tokenizer", "data", "train", "eval", "bench", "completion")) {
            assertTrue(top.out().contains("  " + c + " "), c + " missing from:\n" + top.out());
        }
        assertEquals(2, CliRun.clip().code(), "no command: usage, exit 2");
        CliRun help = CliRun.clip("help", "eval");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("linear-probe"), help.out());
        CliRun data = CliRun.clip("data");
        assertEquals(2, data.code());
        assertTrue(data.out().contains("make-shards") && data.out().contains("label-shards") && data.out().contains("stats"), data.out());

        CliRun train = CliRun.clip("train", "--help");
        assertEquals(0, train.code());
        for (TrainOption o : TrainOption.ALL) assertTrue(train.out().contains("--" + o.name()), o.name() + " not in train --help");
        assertTrue(train.out().contains("peak learning rate (default: 5.0E-4)"), train.out());
        assertTrue(train.out().contains("--config=FILE.json"), train.out());
    }

    @Test
    void unknownOptionsAreUsageErrorsThatSuggestTheNearestOne() {
        CliRun o = CliRun.clip("train", "--bach-size", "8");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("clip train: Unknown options: '--bach-size'"), o.err());
        assertTrue(o.err().contains("--batch-size"), "suggests the nearest: " + o.err());
        assertEquals(2, CliRun.clip("bench", "train", "--steps", "ten").code());
        assertEquals(2, CliRun.clip("no-such-command").code());
    }

    @Test
    void everyCommandTakesThreads() {
        CommandLine root = Main.commandLine();
        List<CommandLine> leaves = new java.util.ArrayList<>();
        collectLeaves(root, leaves);
        assertTrue(leaves.size() >= 17, "commands: " + leaves.size());
        for (CommandLine c : leaves) {
            assertTrue(c.getCommandSpec().optionsMap().containsKey("--threads"), c.getCommandName() + " has no --threads");
            assertTrue(c.getCommandSpec().optionsMap().containsKey("--help"), c.getCommandName() + " has no --help");
        }
        // refused by make-shards before picocli: it now reaches the command, which reports its own missing option
        CliRun o = CliRun.clip("data", "make-shards", "--threads", "1");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("Missing required options"), o.err());
    }

    @Test
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        // picocli formats descriptions with String.format: a bare '%' makes it print a warning to stderr
        // and show the raw text (it did for demo --aug-cfg's "90-100%")
        List<CommandLine> leaves = new java.util.ArrayList<>();
        collectLeaves(Main.commandLine(), leaves);
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            for (CommandLine c : leaves) c.getUsageMessage();
        } finally {
            System.setErr(err);
        }
        String warnings = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(warnings.contains("Could not format"), warnings);
    }

    @Test
    void completionWritesABashScriptForTheWholeTree() {
        CliRun o = CliRun.clip("completion");
        assertEquals(0, o.code());
        assertTrue(o.out().contains("complete -F"), "a bash completion script");
        assertTrue(o.out().contains("make-shards") && o.out().contains("linear-probe"), "subcommands completed");
        assertTrue(o.out().contains("--batch-size") && o.out().contains("--zeroshot-dataset"), "options completed");
    }

    private static void collectLeaves(CommandLine c, List<CommandLine> out) {
        if (c.getSubcommands().isEmpty() && !c.getCommandName().equals("help")) out.add(c);
        for (CommandLine s : c.getSubcommands().values()) collectLeaves(s, out);
    }
}
