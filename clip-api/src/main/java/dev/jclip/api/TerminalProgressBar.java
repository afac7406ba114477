package dev.jclip.api;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place (carriage return): for downloads started from a terminal, and for any
 * count of finished units of work ({@link #progress}).
 */
public final class TerminalProgressBar implements DownloadListener {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private long lastDrawn = -1;

    public TerminalProgressBar(PrintStream out) {
        this.out = out;
    }

    /** A bar on standard error when the JVM has a terminal, else {@link DownloadListener#NONE}. */
    public static DownloadListener forConsole() {
        return System.console() != null ? new TerminalProgressBar(System.err) : NONE;
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case STARTED -> {
                out.println((e.bytes() > 0 ? "resuming " : "downloading ") + e.url());
                draw(e);
            }
            case PROGRESS -> {
                long step = Math.max(1, e.total() > 0 ? e.total() / 200 : 1 << 20);   // redraw every 0.5% or MiB
                if (e.bytes() - lastDrawn >= step) draw(e);
            }
            case FINISHED -> {
                draw(e);
                out.println();
            }
        }
    }

    /**
     * Draws {@code done} of {@code total} units with a label saying what is under way; the line is ended when
     * {@code done} reaches {@code total}.
     */
    public void progress(long done, long total, String label) {
        out.print("\r" + bar(done, total) + String.format(Locale.ROOT, " %d/%d %s", done, total, label) + "\u001b[K");
        if (done >= total) out.println();
        out.flush();
    }

    private static String bar(long done, long total) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        return "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "]";
    }

    private void draw(Event e) {
        lastDrawn = e.bytes();
        String mb = String.format(Locale.ROOT, "%.1f", e.bytes() / 1e6);
        if (e.total() > 0) {
            out.print("\r" + bar(e.bytes(), e.total()) + " "
                    + String.format(Locale.ROOT, "%5.1f%% %s / %.1f MB", 100.0 * e.bytes() / e.total(), mb, e.total() / 1e6));
        } else {
            out.print("\r" + mb + " MB");
        }
        out.flush();
    }
}
