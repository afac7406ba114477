package dev.jclip.cli.commands;

import picocli.CommandLine.Command;

/**
 * The options of every command that reads image files ({@code train}, {@code encode}, {@code eval *},
 * {@code data *}, {@code bench loader}, {@code demo}), mixed in with {@code @Mixin ImageOptions images;}: an
 * option declared here (such as how transparent pixels are composited) reaches all of them at once.
 * {@code @Command} makes it a mixin while it declares no option of its own.
 */
@Command
public final class ImageOptions {
}
