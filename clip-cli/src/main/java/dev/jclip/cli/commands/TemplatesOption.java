package dev.jclip.cli.commands;

import dev.jclip.eval.zeroshot.PromptTemplates;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code --templates FILE}: caption templates with {@code {}} for the class name, one a line. */
public final class TemplatesOption {
    @Option(names = "--templates", paramLabel = "FILE", description = "templates with {} for the class name, one a line (default: CLIP's)")
    Path file;

    /** The file's templates, or {@code defaults} without one. */
    List<String> read(List<String> defaults) throws IOException {
        return file == null ? defaults : PromptTemplates.read(file);
    }
}
