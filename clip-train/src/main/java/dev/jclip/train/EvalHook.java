package dev.jclip.train;

import dev.jclip.core.model.ClipModel;
import dev.jclip.train.dist.Collective;

import java.util.Map;
import java.util.Set;

/**
 * Evaluation run by the trainer every {@code eval-every} steps, every {@link #epochFrequencyOption()} epochs, and
 * at the last step (zero-shot accuracy, validation loss and retrieval, ...). The model
 * is switched to evaluation mode for the call and back afterwards; the hook must not change its parameters.
 */
@FunctionalInterface
public interface EvalHook {
    /**
     * @param step optimiser steps completed
     * @return named metrics, logged and written to {@code metrics.jsonl} (may be empty)
     */
    Map<String, Double> evaluate(ClipModel model, long step) throws Exception;

    /**
     * The same in a distributed run: every rank calls it at the same step with its own copy of the model. A hook
     * that can spreads the work over the ranks of {@code collective} and combines the results, so that no rank
     * waits while one evaluates alone (open_clip evaluates on rank 0 only, and its users meet collective
     * time-outs there); it must return the same metrics on every rank, and fail on every rank when one fails
     * (or the others would wait in a collective). The default evaluates everything on every rank: correct, not
     * faster.
     */
    default Map<String, Double> evaluate(ClipModel model, long step, Collective collective) throws Exception {
        return evaluate(model, step);
    }

    /** The training options this hook reads (e.g. {@code zeroshot-dataset}): the trainer refuses the others as unused. */
    default Set<String> options() {
        return Set.of();
    }

    /**
     * The option giving this hook's interval in epochs besides {@code eval-every} (open_clip's
     * {@code val-frequency}, {@code zeroshot-frequency}), or null when it runs on {@code eval-every} only.
     */
    default String epochFrequencyOption() {
        return null;
    }
}
