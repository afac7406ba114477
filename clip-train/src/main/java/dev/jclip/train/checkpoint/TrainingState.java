package dev.jclip.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * Where a run stands, beside its tensors: everything besides weights and optimiser moments that a resumed run
 * needs to continue exactly where it left off.
 *
 * @param step           optimiser steps completed (also the schedule's position: the next lr is {@code schedule.lr(step)})
 * @param epoch          the epoch in progress (0-based)
 * @param stepInEpoch    steps completed within that epoch
 * @param samplesSeen    training pairs consumed so far
 * @param optimizerStep  the optimiser's own step counter (equals {@code step} unless the run started from {@code --init})
 * @param rngState       the trainer's random generator state
 * @param dataState      the data source's opaque position (restored by the source itself)
 */
public record TrainingState(long step, int epoch, long stepInEpoch, long samplesSeen, long optimizerStep,
                            long rngState, String dataState) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static TrainingState fromJson(String json, String source) {
        try {
            return JSON.readValue(json, TrainingState.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": unreadable training state: " + e.getOriginalMessage(), e);
        }
    }
}
