package dev.jclip.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossSpikeGuardTest {

    @Test
    void aLossAboveFactorTimesTheRunningMeanAfterWarmupIsASpike() {
        LossSpikeGuard g = new LossSpikeGuard(3);
        assertFalse(g.isSpike(50.0), "no verdict during the first " + LossSpikeGuard.WARMUP + " steps");
        for (int i = 1; i < LossSpikeGuard.WARMUP; i++) assertFalse(g.isSpike(2.0));
        double mean = g.mean();
        assertTrue(mean > 2.0 && mean < 50.0, "the early large loss decays out of the mean: " + mean);
        assertFalse(g.isSpike(2.9 * mean));
        double before = g.mean();
        assertTrue(g.isSpike(3.01 * before));
        assertEquals(before, g.mean(), "a spike does not enter the running mean");
    }

    @Test
    void factorZeroTurnsItOff() {
        LossSpikeGuard g = new LossSpikeGuard(0);
        for (int i = 0; i < 30; i++) assertFalse(g.isSpike(1.0));
        assertFalse(g.isSpike(1e6));
    }

    @Test
    void stateRoundTripsThroughACheckpoint() {
        LossSpikeGuard a = new LossSpikeGuard(3), b = new LossSpikeGuard(3);
        for (int i = 0; i < 25; i++) a.isSpike(1.0 + 0.1 * i);
        b.restore(a.toJson());
        assertEquals(a.mean(), b.mean());
        double probe = 2.95 * a.mean();
        assertEquals(a.isSpike(probe), b.isSpike(probe));
    }
}
