package dev.jclip.train.schedule;

/**
 * The learning rate as a function of the 0-based optimiser step index (open_clip calls its scheduler with the
 * step about to be taken). Schedules are pure functions of the step, so a checkpoint's step is its position.
 * Warmup is linear: {@code base * (step + 1) / warmup} for the first {@code warmup} steps, as in open_clip.
 */
@FunctionalInterface
public interface LrSchedule {

    double lr(long step);

    /** Linear warmup then a constant rate. */
    static LrSchedule constant(double baseLr, long warmup) {
        checkCommon(baseLr, warmup);
        return step -> step < warmup ? warm(baseLr, warmup, step) : baseLr;
    }

    /**
     * Linear warmup then half a cosine from {@code baseLr} down to 0 at {@code totalSteps} (open_clip's default,
     * {@code cosine}). Past {@code totalSteps} the rate stays 0 rather than rising again.
     */
    static LrSchedule cosine(double baseLr, long warmup, long totalSteps) {
        checkCommon(baseLr, warmup);
        if (totalSteps <= warmup) {
            throw new IllegalArgumentException("cosine schedule: total steps " + totalSteps
                    + " must exceed warmup steps " + warmup);
        }
        long decaySteps = totalSteps - warmup;
        return step -> {
            if (step < warmup) return warm(baseLr, warmup, step);
            double progress = Math.min(1.0, (double) (step - warmup) / decaySteps);
            return 0.5 * (1 + Math.cos(Math.PI * progress)) * baseLr;
        };
    }

    /**
     * Linear warmup, a constant rate, then over the last {@code cooldownSteps} steps a decay
     * {@code (1 - e/es)^power} from {@code baseLr} to {@code endLr} (open_clip's {@code const-cooldown}).
     */
    static LrSchedule constantWithCooldown(double baseLr, long warmup, long totalSteps, long cooldownSteps,
                                           double power, double endLr) {
        checkCommon(baseLr, warmup);
        if (cooldownSteps <= 0) throw new IllegalArgumentException("const-cooldown schedule: cooldown steps must be positive, got " + cooldownSteps);
        long cooldownStart = totalSteps - cooldownSteps;
        if (cooldownStart < warmup) {
            throw new IllegalArgumentException("const-cooldown schedule: cooldown of " + cooldownSteps
                    + " steps starts at step " + cooldownStart + ", before warmup (" + warmup + ") ends");
        }
        return step -> {
            if (step < warmup) return warm(baseLr, warmup, step);
            if (step < cooldownStart) return baseLr;
            double progress = Math.min(1.0, (double) (step - cooldownStart) / cooldownSteps);
            return Math.pow(1 - progress, power) * (baseLr - endLr) + endLr;
        };
    }

    /**
     * A schedule by open_clip's name: {@code cosine}, {@code const} or {@code const-cooldown}.
     */
    static LrSchedule named(String name, double baseLr, long warmup, long totalSteps, long cooldownSteps,
                            double cooldownPower, double cooldownEndLr) {
        return switch (name) {
            case "cosine" -> cosine(baseLr, warmup, totalSteps);
            case "const" -> constant(baseLr, warmup);
            case "const-cooldown" -> constantWithCooldown(baseLr, warmup, totalSteps, cooldownSteps, cooldownPower, cooldownEndLr);
            default -> throw new IllegalArgumentException("unknown lr schedule '" + name + "' (cosine, const, const-cooldown)");
        };
    }

    private static double warm(double baseLr, long warmup, long step) {
        return baseLr * (step + 1) / warmup;
    }

    private static void checkCommon(double baseLr, long warmup) {
        if (!(baseLr > 0) || Double.isInfinite(baseLr)) throw new IllegalArgumentException("learning rate must be positive, got " + baseLr);
        if (warmup < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmup);
    }
}
