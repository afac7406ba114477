package dev.jclip.dist;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ABI tables against the mpi.h headers of Debian's libmpich-dev and libopenmpi-dev, and ABI detection. */
class MpiAbiTest {
    private static final Path MPICH_H = Path.of("/usr/include/x86_64-linux-gnu/mpich/mpi.h");
    private static final Path OPEN_MPI_H = Path.of("/usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h");

    @Test
    void mpichHandlesAreTheHeadersConstants() throws IOException {
        String h = header(MPICH_H, "libmpich-dev");
        MpiAbi.Handles t = MpiAbi.MPICH.handles(null);
        assertEquals(constant(h, "MPI_COMM_WORLD"), t.commWorld());
        assertEquals(constant(h, "MPI_FLOAT"), t.floatType());
        assertEquals(constant(h, "MPI_DOUBLE"), t.doubleType());
        assertEquals(constant(h, "MPI_BYTE"), t.byteType());
        assertEquals(constant(h, "MPI_SUM"), t.sum());
        assertEquals(constant(h, "MPI_ERRORS_RETURN"), t.errorsReturn());
        assertEquals(constant(h, "MPI_THREAD_SERIALIZED"), t.threadSerialized());
        assertTrue(h.contains("typedef int MPI_Comm;") && h.contains("typedef int MPI_Datatype;")
                && h.contains("typedef int MPI_Op;") && h.contains("typedef int MPI_Errhandler;"), "MPICH handles are int");
    }

    @Test
    void openMpiHandlesAreTheHeadersGlobalObjects() throws IOException {
        String h = header(OPEN_MPI_H, "libopenmpi-dev");
        for (String[] pair : new String[][] {{"MPI_COMM_WORLD", "MPI_Comm", "ompi_mpi_comm_world"},
                {"MPI_FLOAT", "MPI_Datatype", "ompi_mpi_float"}, {"MPI_DOUBLE", "MPI_Datatype", "ompi_mpi_double"},
                {"MPI_BYTE", "MPI_Datatype", "ompi_mpi_byte"}, {"MPI_SUM", "MPI_Op", "ompi_mpi_op_sum"},
                {"MPI_ERRORS_RETURN", "MPI_Errhandler", "ompi_mpi_errors_return"}}) {
            Pattern p = Pattern.compile("#define " + pair[0] + "\\s+OMPI_PREDEFINED_GLOBAL\\(\\s*" + pair[1] + ",\\s*"
                    + pair[2] + "\\)");
            assertTrue(p.matcher(h).find(), pair[0] + " is the address of " + pair[2]);
        }
        // enum { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE }
        Matcher m = Pattern.compile("MPI_THREAD_SINGLE,\\s*MPI_THREAD_FUNNELED,\\s*MPI_THREAD_SERIALIZED,").matcher(h);
        assertTrue(m.find(), "MPI_THREAD_SERIALIZED is the third of the enum");
        assertEquals(2, MpiAbi.OPEN_MPI.handles(name -> java.util.Optional.of(
                java.lang.foreign.MemorySegment.ofAddress(1))).threadSerialized());
    }

    @Test
    void detectsTheAbiFromTheLibraryVersion() {
        assertEquals(MpiAbi.OPEN_MPI, MpiAbi.detect("Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4", false));
        assertEquals(MpiAbi.MPICH, MpiAbi.detect("MPICH Version:\t4.0.2\nMPICH Release date:\tThu Mar 10 2022", false));
        assertEquals(MpiAbi.MPICH, MpiAbi.detect("Intel(R) MPI Library 2021.10 for Linux* OS", false));
        assertEquals(MpiAbi.MPICH, MpiAbi.detect("MPI VERSION    : CRAY MPICH version 8.1.25", false));
        assertEquals(MpiAbi.MPICH, MpiAbi.detect("MVAPICH2 Version      :\t2.3.7", false));
        assertEquals(MpiAbi.STANDARD, MpiAbi.detect("MPICH Version: 4.3.0", true));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> MpiAbi.detect("Microsoft MPI 10.1\nmore", false));
        assertTrue(e.getMessage().contains("unknown MPI library 'Microsoft MPI 10.1'"), e.getMessage());
    }

    private static String header(Path path, String pkg) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException(path + " is missing: ./build/test installs " + pkg);
        }
        return Files.readString(path);
    }

    /** The value of {@code #define NAME ((Type)0x...)}, {@code (Type)(0x...)} or {@code NAME 2}. */
    private static long constant(String header, String name) {
        Matcher m = Pattern.compile("#define\\s+" + name + "\\s+\\(*(?:\\w+\\)\\s*\\(?)?(0x[0-9a-fA-F]+|\\d+)")
                .matcher(header);
        assertTrue(m.find(), name + " in the header");
        String v = m.group(1);
        return v.startsWith("0x") ? Long.parseLong(v.substring(2), 16) : Long.parseLong(v);
    }
}
