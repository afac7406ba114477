package dev.jclip.dist;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real MPI jobs on this machine, under Open MPI and under MPICH: every collective operation checked exactly by
 * {@link MpiWorker} at 2, 3 and 4 ranks (3 with 1000-byte chunks, so every message is cut into many), the JVM's own
 * signals surviving MPI, and a rank that throws, exits or is killed with SIGKILL ending the whole job quickly with a
 * non-zero exit and its rank named, never a hang.
 */
class MpiCollectiveTest {
    /** Far above the few seconds a job takes on 2 busy cores; only a hang reaches it. */
    private static final int LIMIT_SECONDS = 90;

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void everyOperationIsExactAtTwoRanks(MpiJob.Launcher launcher) throws Exception {
        expectChecks(launcher, 2, List.of());
    }

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void largeMessagesAreCutIntoChunksAtThreeRanks(MpiJob.Launcher launcher) throws Exception {
        expectChecks(launcher, 3, List.of("-Djclip.mpi.chunkBytes=1000"));
    }

    @ParameterizedTest
    @EnumSource(value = MpiJob.Launcher.class, names = "OPEN_MPI")
    void fourRanksOnTwoCores(MpiJob.Launcher launcher) throws Exception {
        expectChecks(launcher, 4, List.of("-XX:TieredStopAtLevel=1"));
    }

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void theJvmKeepsItsSignalHandlers(MpiJob.Launcher launcher) throws Exception {
        MpiJob.Result r = MpiJob.run(launcher, 2, LIMIT_SECONDS, List.of(), MpiWorker.class, "signals");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(2, count(r.output(), "of 2 ok"), r.output());
    }

    @ParameterizedTest
    @EnumSource(value = MpiJob.Launcher.class, names = "MPICH")
    void theBandwidthBenchmarkAgreesOnEveryRank(MpiJob.Launcher launcher) throws Exception {
        MpiJob.Result r = MpiJob.run(launcher, 2, LIMIT_SECONDS, List.of("-XX:TieredStopAtLevel=1"), MpiWorker.class, "bench");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(2, count(r.output(), "of 2 ok"), r.output());
    }

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void aRankThatThrowsEndsTheJob(MpiJob.Launcher launcher) throws Exception {
        MpiJob.Result r = failure(launcher, "throw");
        assertTrue(r.output().contains("jclip: rank 1 failed: java.lang.IllegalStateException: rank 1 fails on purpose"),
                r.output());
    }

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void aRankThatExitsWithMpiRunningEndsTheJob(MpiJob.Launcher launcher) throws Exception {
        MpiJob.Result r = failure(launcher, "exit");
        assertTrue(r.output().contains("jclip: rank 1 of 3 is exiting with MPI still running"), r.output());
    }

    @ParameterizedTest
    @EnumSource(MpiJob.Launcher.class)
    void aKilledRankEndsTheJob(MpiJob.Launcher launcher) throws Exception {
        MpiJob.Result r = failure(launcher, "kill");
        if (launcher == MpiJob.Launcher.OPEN_MPI) {
            assertTrue(r.output().contains("process rank 1 with PID"), r.output());
        } else {
            // Hydra reports a killed process but not reliably which one (it names the first PID it cleaned up)
            assertTrue(r.output().contains("Killed (signal 9)"), r.output());
        }
    }

    private static MpiJob.Result failure(MpiJob.Launcher launcher, String mode) throws Exception {
        MpiJob.Result r = MpiJob.run(launcher, 3, LIMIT_SECONDS, List.of("-XX:TieredStopAtLevel=1"), MpiWorker.class, mode);
        assertNotEquals(0, r.exitCode(), r.output());
        assertEquals(0, count(r.output(), " ok "), r.output());
        return r;
    }

    private static void expectChecks(MpiJob.Launcher launcher, int ranks, List<String> options) throws Exception {
        MpiJob.Result r = MpiJob.run(launcher, ranks, LIMIT_SECONDS, options, MpiWorker.class, "check");
        assertEquals(0, r.exitCode(), r.output());
        String abi = launcher == MpiJob.Launcher.OPEN_MPI ? "OPEN_MPI" : "MPICH";
        assertEquals(ranks, r.output().lines().filter(l -> l.matches("rank \\d of " + ranks + " ok .*; " + abi + " ABI\\)"))
                .count(), r.output());
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
