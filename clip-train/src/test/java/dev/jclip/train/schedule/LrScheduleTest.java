package dev.jclip.train.schedule;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    @Test
    void cosineWarmsUpLinearlyThenFollowsHalfCosine() {
        LrSchedule s = LrSchedule.cosine(1e-3, 10, 110);
        assertEquals(1e-4, s.lr(0), 1e-15);          // (0+1)/10 of base
        assertEquals(5e-4, s.lr(4), 1e-15);
        assertEquals(1e-3, s.lr(9), 1e-15);           // last warmup step reaches base
        assertEquals(1e-3, s.lr(10), 1e-15);          // cosine starts at base
        assertEquals(0.5e-3, s.lr(60), 1e-15);        // halfway through the decay
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)) * 1e-3, s.lr(35), 1e-15);
        assertEquals(0, s.lr(110), 1e-15);
        assertEquals(0, s.lr(500), 1e-15);            // stays at zero past the end
        for (long t = 10; t < 110; t++) assertTrue(s.lr(t + 1) <= s.lr(t));
    }

    @Test
    void constantWarmsUpThenHolds() {
        LrSchedule s = LrSchedule.constant(2e-3, 4);
        assertEquals(0.5e-3, s.lr(0), 1e-15);
        assertEquals(2e-3, s.lr(3), 1e-15);
        assertEquals(2e-3, s.lr(1_000_000), 1e-15);
        assertEquals(2e-3, LrSchedule.constant(2e-3, 0).lr(0), 1e-15);
    }

    @Test
    void constCooldownDecaysOverTheLastSteps() {
        LrSchedule linear = LrSchedule.constantWithCooldown(1e-3, 10, 100, 20, 1.0, 1e-5);
        assertEquals(1e-3, linear.lr(50), 1e-15);
        assertEquals(1e-3, linear.lr(79), 1e-15);
        assertEquals(1e-3, linear.lr(80), 1e-15);                       // cooldown starts at full rate
        assertEquals(0.5 * (1e-3 - 1e-5) + 1e-5, linear.lr(90), 1e-15);
        assertEquals(1e-5, linear.lr(100), 1e-15);
        LrSchedule squared = LrSchedule.constantWithCooldown(1e-3, 10, 100, 20, 2.0, 0);
        assertEquals(0.25e-3, squared.lr(90), 1e-15);
    }

    @Test
    void badSettingsAreRejectedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.cosine(1e-3, 100, 100));
        assertTrue(e.getMessage().contains("warmup"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constant(0, 1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.constantWithCooldown(1e-3, 50, 100, 60, 1, 0));
        e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.named("linear", 1e-3, 0, 10, 0, 1, 0));
        assertTrue(e.getMessage().contains("linear"), e.getMessage());
    }
}
