package dev.sluice.launcher;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.syscalls.Constants;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Syscall names and constants (AT_FDCWD, O_RDONLY, EPERM, ...) for {@code --syscall}, from SCPL's tables. */
final class Symbols {
    private Symbols() {}

    /** The number of a syscall on an ABI; an unknown name is a usage error that suggests near names. */
    static int syscall(Arch arch, String name) {
        SyscallTable table;
        try {
            table = SyscallTable.forArch(arch);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("syscall name '" + name + "': " + e.getMessage() + "; give the number instead");
        }
        OptionalInt nr = table.number(name);
        if (nr.isEmpty()) {
            throw UserError.usage("unknown syscall '" + name + "' on " + arch + didYouMean(table.suggestions(name)));
        }
        return nr.getAsInt();
    }

    static long constant(String name) {
        OptionalLong v = Constants.lookup(name);
        if (v.isEmpty()) {
            throw UserError.usage("unknown constant '" + name + "'" + didYouMean(Constants.suggestions(name)));
        }
        return v.getAsLong();
    }

    /** The name of a syscall number on an ABI, or null. */
    static String name(Arch arch, int nr) {
        if (!SyscallTable.SUPPORTED.contains(arch)) {
            return null;
        }
        return SyscallTable.forArch(arch).name(nr).orElse(null);
    }

    private static String didYouMean(List<String> suggestions) {
        return suggestions.isEmpty() ? "" : " (did you mean " + String.join(", ", suggestions) + "?)";
    }
}
