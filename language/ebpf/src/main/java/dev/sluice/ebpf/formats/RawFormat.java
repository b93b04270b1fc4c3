package dev.sluice.ebpf.formats;

import dev.sluice.core.error.SluiceException;
import dev.sluice.ebpf.isa.Insn;
import dev.sluice.ebpf.isa.Program;
import dev.sluice.ebpf.runtime.EbpfFailure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Raw instruction bytes: 8 bytes a slot, each slot a little-endian 64-bit word (RFC 9669 section 3; what clang emits
 * for {@code -target bpfel}, and what the bpf_conformance plugin protocol carries).
 */
public final class RawFormat {
    private RawFormat() {}

    public static Program decode(byte[] bytes) {
        if (bytes.length % 8 != 0) {
            throw SluiceException.create(EbpfFailure.RAW_LENGTH, bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Insn[] slots = new Insn[bytes.length / 8];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = Insn.decode(buf.getLong());
        }
        return Program.of(slots);
    }

    public static byte[] encode(Program program) {
        ByteBuffer buf = ByteBuffer.allocate(program.length() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < program.length(); i++) {
            buf.putLong(program.get(i).encode());
        }
        return buf.array();
    }
}
