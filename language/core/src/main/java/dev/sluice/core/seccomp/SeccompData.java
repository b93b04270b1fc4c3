package dev.sluice.core.seccomp;

import java.nio.ByteBuffer;

/**
 * Builds and reads {@code struct seccomp_data} (64 bytes: int nr @0, u32 arch @4, u64 instruction_pointer @8,
 * u64 args[6] @16 + 8*i), every field in the byte order of the syscall ABI.
 */
public final class SeccompData {
    public static final int SIZE = 64;

    private SeccompData() {}

    /** Encodes a record with the arch's audit value in the arch field. */
    public static byte[] encode(Arch arch, int nr, long instructionPointer, long... args) {
        return encodeWithAuditArch(arch, arch.auditArch(), nr, instructionPointer, args);
    }

    /**
     * Encodes a record with an explicit arch field (e.g. to test a foreign arch value). A separate name, not an
     * overload: {@code encode(arch, nr, 0, arg0)} must never be read as (auditArch, nr, ip).
     */
    public static byte[] encodeWithAuditArch(
            Arch byteOrderOf, int auditArch, int nr, long instructionPointer, long... args) {
        if (args.length > 6) {
            throw new IllegalArgumentException("a syscall has at most 6 arguments, got " + args.length);
        }
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(byteOrderOf.byteOrder());
        b.putInt(0, nr);
        b.putInt(4, auditArch);
        b.putLong(8, instructionPointer);
        for (int i = 0; i < args.length; i++) {
            b.putLong(16 + 8 * i, args[i]);
        }
        return b.array();
    }

    /** Writes a record into {@code out} at {@code offset}, for batch buffers. */
    public static void encodeInto(byte[] out, int offset, Arch arch, int nr, long instructionPointer, long... args) {
        System.arraycopy(encode(arch, nr, instructionPointer, args), 0, out, offset, SIZE);
    }

    public static int nr(byte[] data, Arch arch) {
        return ByteBuffer.wrap(data).order(arch.byteOrder()).getInt(0);
    }

    public static int auditArch(byte[] data, Arch arch) {
        return ByteBuffer.wrap(data).order(arch.byteOrder()).getInt(4);
    }

    public static long arg(byte[] data, Arch arch, int i) {
        return ByteBuffer.wrap(data).order(arch.byteOrder()).getLong(16 + 8 * i);
    }
}
