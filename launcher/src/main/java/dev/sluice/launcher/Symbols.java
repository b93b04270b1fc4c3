package dev.sluice.launcher;

import dev.sluice.bpf.isa.Arch;

/** Syscall names and constants (AT_FDCWD, O_RDONLY, ...) for {@code --syscall}; they come from SCPL's tables. */
interface Symbols {
    int syscall(Arch arch, String name);

    long constant(String name);

    /** The tables this build has. */
    static Symbols available() {
        return UNAVAILABLE;
    }

    /** Until the SCPL tables are in the build: numbers work, names are a clear usage error. */
    Symbols UNAVAILABLE = new Symbols() {
        @Override
        public int syscall(Arch arch, String name) {
            throw UserError.notYet("syscall name '" + name + "': syscall names need the SCPL syscall tables; give the number instead, e.g. 83(...)");
        }

        @Override
        public long constant(String name) {
            throw UserError.notYet("constant '" + name + "': named constants need the SCPL tables; give the number instead");
        }
    };
}
