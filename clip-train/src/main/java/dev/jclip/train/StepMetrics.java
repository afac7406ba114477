package dev.jclip.train;

/**
 * What one optimiser step did.
 *
 * @param step            optimiser steps completed, this one included (1-based)
 * @param totalSteps      steps the run will take
 * @param epoch           epoch of this step (0-based)
 * @param loss            contrastive loss over the global batch (before the update)
 * @param lr              learning rate applied
 * @param logitScale      exp(logit_scale) after the update and clamp (the inverse temperature)
 * @param gradNorm        global gradient norm before clipping
 * @param samplesSeen     training pairs consumed so far
 * @param samplesPerSecond throughput of this step, data loading included
 * @param dataWaitShare   fraction of this step's wall time spent waiting for data
 */
public record StepMetrics(long step, long totalSteps, int epoch, double loss, double lr, double logitScale,
                          double gradNorm, long samplesSeen, double samplesPerSecond, double dataWaitShare) {
}
