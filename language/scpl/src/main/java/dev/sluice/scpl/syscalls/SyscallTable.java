package dev.sluice.scpl.syscalls;

import dev.sluice.core.seccomp.Arch;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The syscall names and numbers of one ABI, loaded from {@code syscalls/<arch>.tsv}, which
 * {@code language/scpl/tools/gen-syscalls.py} generates from Debian's libseccomp tables (themselves generated from
 * the kernel's syscall tables). x32 numbers include the 0x40000000 bit, as the kernel sees them in seccomp_data.nr.
 */
public final class SyscallTable {
    /** The ABIs SCPL ships tables for. */
    public static final List<Arch> SUPPORTED =
            List.of(Arch.X86_64, Arch.X86, Arch.X32, Arch.AARCH64, Arch.ARM, Arch.RISCV64);

    private static final Map<Arch, SyscallTable> CACHE = Collections.synchronizedMap(new EnumMap<>(Arch.class));

    private final Arch arch;
    private final Map<String, Integer> byName;
    private final TreeMap<Integer, String> byNumber;

    private SyscallTable(Arch arch, Map<String, Integer> byName) {
        this.arch = arch;
        this.byName = Collections.unmodifiableMap(byName);
        this.byNumber = new TreeMap<>();
        byName.forEach((n, nr) -> byNumber.putIfAbsent(nr, n));
    }

    /** The table of an ABI; throws IllegalArgumentException for an ABI SCPL has no table for. */
    public static SyscallTable forArch(Arch arch) {
        return CACHE.computeIfAbsent(arch, a -> {
            if (!SUPPORTED.contains(a)) {
                throw new IllegalArgumentException("no syscall table for arch " + a.token() + " (SCPL has tables for "
                        + String.join(", ", SUPPORTED.stream().map(Arch::token).toList()) + ")");
            }
            Map<String, Integer> m = new LinkedHashMap<>();
            TsvTable.read("/dev/sluice/scpl/syscalls/" + a.token() + ".tsv").forEach((n, v) -> m.put(n, v.intValue()));
            return new SyscallTable(a, m);
        });
    }

    public Arch arch() {
        return arch;
    }

    /** The number of a syscall, named with or without the {@code SYS_} / {@code __NR_} prefix. */
    public OptionalInt number(String name) {
        Integer nr = byName.get(strip(name));
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /**
     * The number of a syscall named exactly as the table names it, without a prefix: how libseccomp's
     * seccomp_syscall_resolve_name reads the names of an OCI profile (runc ignores a name it does not know).
     */
    public OptionalInt exactNumber(String name) {
        Integer nr = byName.get(name);
        return nr == null ? OptionalInt.empty() : OptionalInt.of(nr);
    }

    /** The name of a syscall number, if the table has one. */
    public Optional<String> name(int nr) {
        return Optional.ofNullable(byNumber.get(nr));
    }

    /** Up to five known names nearest to an unknown one, by edit distance. */
    public List<String> suggestions(String unknown) {
        return TsvTable.nearest(strip(unknown), byName.keySet(), 5);
    }

    /** Every name with its number, in table order. */
    public Map<String, Integer> all() {
        return byName;
    }

    /** The highest number in the table. */
    public int maxNumber() {
        return byNumber.lastKey();
    }

    static String strip(String name) {
        if (name.startsWith("SYS_")) {
            return name.substring(4);
        }
        if (name.startsWith("__NR_")) {
            return name.substring(5);
        }
        return name;
    }
}
