package dev.jclip.dist;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * The binary interfaces of MPI libraries, one table of handles each, as MPI.jl keeps them. A handle
 * ({@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op}, {@code MPI_Errhandler}) travels in Java as a {@code long}
 * and is passed to C as the ABI's handle type.
 *
 * <ul>
 * <li>{@link #OPEN_MPI}: handles are pointers, the predefined ones the addresses of global objects
 *     ({@code ompi_mpi_comm_world}, {@code ompi_mpi_float}, ...: Open MPI's mpi.h, {@code OMPI_PREDEFINED_GLOBAL}).
 *     Tested with Debian's Open MPI 4.1.4.</li>
 * <li>{@link #MPICH}: handles are {@code int} with fixed values, shared by MPICH, Intel MPI, Cray MPICH and MVAPICH;
 *     the values are those of Debian's libmpich-dev 4.0.2 mpi.h (MpiAbiTest reads them from the header). Tested with
 *     Debian's MPICH 4.0.2.</li>
 * <li>{@link #STANDARD}: the MPI-5 standard ABI ({@code libmpi_abi.so}): pointer-sized handles with fixed small
 *     values (the MPI Forum ABI working group's mpi.h, mpiwg-abi/header_and_stub_library: to check against the
 *     final MPI-5 text). Chosen when the library has {@code MPI_Abi_get_version}. Not tested: no library with it is
 *     packaged here.</li>
 * </ul>
 */
public enum MpiAbi {
    OPEN_MPI(ValueLayout.ADDRESS) {
        @Override Handles handles(SymbolLookup lib) {
            return new Handles(address(lib, "ompi_mpi_comm_world"), address(lib, "ompi_mpi_float"),
                    address(lib, "ompi_mpi_double"), address(lib, "ompi_mpi_byte"), address(lib, "ompi_mpi_op_sum"),
                    address(lib, "ompi_mpi_errors_return"), 2);
        }
    },
    MPICH(ValueLayout.JAVA_INT) {
        @Override Handles handles(SymbolLookup lib) {
            // mpi.h: MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM, MPI_ERRORS_RETURN, MPI_THREAD_SERIALIZED
            return new Handles(0x44000000, 0x4c00040a, 0x4c00080b, 0x4c00010d, 0x58000003, 0x54000001, 2);
        }
    },
    STANDARD(ValueLayout.ADDRESS) {
        @Override Handles handles(SymbolLookup lib) {
            return new Handles(0x101, 0x210, 0x214, 0x247, 0x21, 0x142, 2);
        }
    };

    /** The C type of a handle in this ABI. */
    final MemoryLayout handle;

    MpiAbi(MemoryLayout handle) {
        this.handle = handle;
    }

    /** The predefined handles and constants jclip uses. */
    abstract Handles handles(SymbolLookup library);

    /**
     * The predefined handles jclip uses, as numbers ({@code int} values or addresses), and the
     * {@code MPI_THREAD_SERIALIZED} level.
     */
    record Handles(long commWorld, long floatType, long doubleType, long byteType, long sum, long errorsReturn,
                   int threadSerialized) {
    }

    /**
     * The ABI of a library from its {@code MPI_Get_library_version} text, or the standard ABI when it has
     * {@code MPI_Abi_get_version}. An unknown library is an error that quotes the text.
     */
    static MpiAbi detect(String libraryVersion, boolean hasStandardAbi) {
        if (hasStandardAbi) return STANDARD;
        String v = libraryVersion.strip();
        if (v.startsWith("Open MPI")) return OPEN_MPI;
        if (v.startsWith("MPICH") || v.contains("CRAY MPICH") || v.startsWith("Intel(R) MPI")
                || v.startsWith("MVAPICH")) {
            return MPICH;
        }
        String first = v.lines().findFirst().orElse("");
        throw new IllegalStateException("unknown MPI library '" + first + "': jclip knows Open MPI, the MPICH family"
                + " (MPICH, Intel MPI, Cray MPICH, MVAPICH) and the MPI-5 standard ABI");
    }

    private static long address(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new IllegalStateException(
                "the MPI library has no symbol " + symbol + " (is it Open MPI?)")).address();
    }
}
