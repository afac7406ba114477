package dev.jclip.train.dist;

/** A collective spanning processes, which a failed rank must end as a whole instead of closing (see {@link Collectives#abort}). */
public interface AbortableCollective extends Collective {
    /**
     * Ends every rank of the job with a non-zero exit; {@code message} (naming this rank and what failed) goes to
     * standard error first. Does not return normally when the job was started by a launcher.
     */
    void abort(int exitCode, String message);
}
