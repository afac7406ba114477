package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import picocli.CommandLine.Option;

import java.util.HashSet;
import java.util.List;

/** {@code --shots} and {@code --draws}: the few-shot probes' examples per class and seeded draws of each (clip eval and clip repro). */
public final class FewShotOptions {
    @Option(names = "--shots", paramLabel = "N,N,...", split = ",", defaultValue = "1,2,4,8,16",
            description = "examples per class of each probe (default: ${DEFAULT-VALUE})")
    List<Integer> shots;

    @Option(names = "--draws", paramLabel = "K", defaultValue = "5", description = "random draws per shot count (default: ${DEFAULT-VALUE})")
    int draws;

    /** The shot counts, as given. */
    public List<Integer> shots() {
        return shots;
    }

    public int draws() {
        return draws;
    }

    /** Checks the values picocli cannot: at least one draw, distinct positive shot counts. */
    public void check() {
        if (draws < 1) throw new UsageException("--draws must be at least 1, got " + draws);
        if (shots.isEmpty() || shots.stream().anyMatch(n -> n < 1) || new HashSet<>(shots).size() != shots.size()) {
            throw new UsageException("--shots must be distinct positive counts, got " + shots);
        }
    }
}
