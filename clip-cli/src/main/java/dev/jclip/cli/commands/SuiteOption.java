package dev.jclip.cli.commands;

import dev.jclip.cli.UsageException;
import dev.jclip.eval.zeroshot.ZeroShotSuite;
import picocli.CommandLine.Option;

/** {@code --suite NAME}: the CLIP paper's class names and prompt templates for one dataset ({@link ZeroShotSuite}). */
public final class SuiteOption {
    @Option(names = "--suite", paramLabel = "NAME", description = "the CLIP paper's class names and templates for a dataset: "
            + "imagenet1k, cifar10, cifar100, food101, pets, ... (CLIP_benchmark's ids or OpenAI's titles; see docs/EVALUATION.md)")
    String name;

    /** The named suite, or null without {@code --suite}; an unknown name is a usage error listing the known ones. */
    ZeroShotSuite get() {
        if (name == null) return null;
        try {
            return ZeroShotSuite.named(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--suite: " + e.getMessage());
        }
    }
}
