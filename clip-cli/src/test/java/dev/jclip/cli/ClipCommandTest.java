package dev.jclip.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ClipCommandTest {
    @Test
    void ranksOnOneMachineShareItsCores() {
        assertEquals(0, ClipCommand.perRankThreads(Map.of(), 16));   // not launched: the default (all cores)
        assertEquals(4, ClipCommand.perRankThreads(Map.of("OMPI_COMM_WORLD_RANK", "0", "OMPI_COMM_WORLD_SIZE", "8",
                "OMPI_COMM_WORLD_LOCAL_SIZE", "4"), 16));
        assertEquals(1, ClipCommand.perRankThreads(Map.of("PMI_RANK", "1", "PMI_SIZE", "4", "MPI_LOCALNRANKS", "4"), 2));
    }
}
