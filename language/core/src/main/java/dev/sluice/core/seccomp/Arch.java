package dev.sluice.core.seccomp;

import java.nio.ByteOrder;
import java.util.Locale;
import org.graalvm.options.OptionType;

/**
 * Syscall ABIs, named as libseccomp names them. The audit value is what the kernel puts in
 * {@code seccomp_data.arch}: the ELF machine number, 0x80000000 for 64-bit, 0x40000000 for little-endian, and
 * 0x20000000 for the MIPS n32 ABIs (linux/audit.h).
 */
public enum Arch {
    X86_64("x86_64", 0xC000003E, false),
    X86("x86", 0x40000003, false),
    X32("x32", 0xC000003E, false),
    AARCH64("aarch64", 0xC00000B7, false),
    ARM("arm", 0x40000028, false),
    RISCV64("riscv64", 0xC00000F3, false),
    PPC64LE("ppc64le", 0xC0000015, false),
    PPC64("ppc64", 0x80000015, true),
    PPC("ppc", 0x00000014, true),
    S390X("s390x", 0x80000016, true),
    S390("s390", 0x00000016, true),
    MIPS("mips", 0x00000008, true),
    MIPSEL("mipsel", 0x40000008, false),
    MIPS64("mips64", 0x80000008, true),
    MIPSEL64("mipsel64", 0xC0000008, false),
    MIPS64N32("mips64n32", 0xA0000008, true),
    MIPSEL64N32("mipsel64n32", 0xE0000008, false),
    PARISC("parisc", 0x0000000F, true),
    PARISC64("parisc64", 0x8000000F, true);

    /** x32 syscalls run under AUDIT_ARCH_X86_64 with this bit set in nr. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    private final String token;
    private final int auditArch;
    private final boolean bigEndian;

    Arch(String token, int auditArch, boolean bigEndian) {
        this.token = token;
        this.auditArch = auditArch;
        this.bigEndian = bigEndian;
    }

    /** libseccomp's name for this ABI. */
    public String token() {
        return token;
    }

    public int auditArch() {
        return auditArch;
    }

    public boolean bigEndian() {
        return bigEndian;
    }

    public ByteOrder byteOrder() {
        return bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /** Looks an arch up by its libseccomp token, also accepting a few common aliases. */
    public static Arch fromToken(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "amd64", "x86-64" -> n = "x86_64";
            case "i386", "i686", "ia32" -> n = "x86";
            case "arm64" -> n = "aarch64";
            default -> {}
        }
        for (Arch a : values()) {
            if (a.token.equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown arch '" + name + "' (expected one of " + tokens() + ")");
    }

    /**
     * The option type of a language's {@code Arch} option ({@code option} is its full name, e.g. {@code "bpf.Arch"}):
     * a token as {@link #fromToken} reads it, or empty for {@link #host()}. Truffle reports a bad value when the
     * context is built, with a message naming the option.
     */
    public static OptionType<Arch> optionType(String option) {
        return new OptionType<>("Arch", token -> {
            try {
                return token.isEmpty() ? host() : fromToken(token);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
            }
        });
    }

    public static String tokens() {
        StringBuilder sb = new StringBuilder();
        for (Arch a : values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(a.token);
        }
        return sb.toString();
    }

    /** The ABI of the JVM's own process, used as the default. */
    public static Arch host() {
        String osArch = System.getProperty("os.arch", "amd64");
        return switch (osArch) {
            case "aarch64" -> AARCH64;
            case "x86", "i386" -> X86;
            case "riscv64" -> RISCV64;
            case "ppc64le" -> PPC64LE;
            case "s390x" -> S390X;
            case "arm" -> ARM;
            default -> X86_64;
        };
    }

    @Override
    public String toString() {
        return token;
    }
}
