package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's binary form: an array of 8-byte {@code struct sock_filter} (u16 code, u8 jt, u8 jf, u32 k) in the
 * byte order of the machine that loads it. This is what SO_ATTACH_FILTER, seccomp(2) and {@code bwrap --seccomp}
 * take.
 */
public final class RawFormat {
    public static final int INSN_SIZE = 8;

    private RawFormat() {}

    public static Program decode(byte[] bytes, ByteOrder order) {
        if (bytes.length % INSN_SIZE != 0) {
            throw SluiceException.create(Failure.RAW_LENGTH, bytes.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(order);
        Insn[] insns = new Insn[bytes.length / INSN_SIZE];
        for (int i = 0; i < insns.length; i++) {
            int code = buf.getShort() & 0xffff;
            int jt = buf.get() & 0xff;
            int jf = buf.get() & 0xff;
            int k = buf.getInt();
            insns[i] = new Insn(code, jt, jf, k);
        }
        return new Program(insns, null, null);
    }

    public static byte[] encode(Program program, ByteOrder order) {
        ByteBuffer buf = ByteBuffer.allocate(program.length() * INSN_SIZE).order(order);
        for (int i = 0; i < program.length(); i++) {
            Insn in = program.get(i);
            buf.putShort((short) in.code());
            buf.put((byte) in.jt());
            buf.put((byte) in.jf());
            buf.putInt(in.k());
        }
        return buf.array();
    }
}
