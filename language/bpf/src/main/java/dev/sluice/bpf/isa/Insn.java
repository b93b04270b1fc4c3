package dev.sluice.bpf.isa;

/**
 * One {@code struct sock_filter}: a 16-bit code, two 8-bit relative jump offsets and a 32-bit constant.
 * Fields hold the unsigned values ({@code k} as its 32-bit pattern).
 */
public record Insn(int code, int jt, int jf, int k) {
    public Insn {
        if ((code & ~0xffff) != 0 || (jt & ~0xff) != 0 || (jf & ~0xff) != 0) {
            throw new IllegalArgumentException("field out of range: code=" + code + " jt=" + jt + " jf=" + jf);
        }
    }

    public static Insn stmt(int code, int k) {
        return new Insn(code, 0, 0, k);
    }

    public static Insn jump(int code, int k, int jt, int jf) {
        return new Insn(code, jt, jf, k);
    }

    public long unsignedK() {
        return k & 0xffffffffL;
    }

    @Override
    public String toString() {
        return String.format("{ 0x%02x, %d, %d, 0x%08x }", code, jt, jf, k);
    }
}
