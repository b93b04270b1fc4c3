package dev.sluice.scpl;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child process of {@link KernelEndToEndTest} (no dependencies beyond the JDK): installs a raw seccomp filter on its
 * main thread (PR_SET_NO_NEW_PRIVS, then seccomp(SECCOMP_SET_MODE_FILTER)), then makes the syscalls given as
 * {@code nr,arg0,arg1,arg2} (arg "@path" = a pointer to a path that does not exist) and prints "ret errno" per line.
 */
public final class SeccompChild {
    private static final long SYS_SECCOMP_X86_64 = 317; // arch/x86/entry/syscalls/syscall_64.tbl
    private static final int PR_SET_NO_NEW_PRIVS = 38; // linux/prctl.h
    private static final long SECCOMP_SET_MODE_FILTER = 1; // linux/seccomp.h

    public static void main(String[] args) throws Throwable {
        byte[] filter = Files.readAllBytes(Path.of(args[0]));
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle prctl = linker.downcallHandle(
                libc.find("prctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        Linker.Option errnoState = Linker.Option.captureCallState("errno");
        MemoryLayout stateLayout = Linker.Option.captureStateLayout();
        VarHandle errnoHandle = stateLayout.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        MethodHandle syscall = linker.downcallHandle(
                libc.find("syscall").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1),
                errnoState);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(filter.length, 8);
            MemorySegment.copy(MemorySegment.ofArray(filter), 0, insns, 0, filter.length);
            MemorySegment fprog = arena.allocate(16, 8);
            fprog.set(JAVA_SHORT, 0, (short) (filter.length / 8));
            fprog.set(ADDRESS, 8, insns);
            MemorySegment state = arena.allocate(stateLayout);
            if ((int) prctl.invokeExact(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
                System.out.println("ERROR prctl(PR_SET_NO_NEW_PRIVS) failed");
                return;
            }
            long rc =
                    (long) syscall.invokeExact(state, SYS_SECCOMP_X86_64, SECCOMP_SET_MODE_FILTER, 0L, fprog.address());
            if (rc != 0) {
                int errno = (int) errnoHandle.get(state, 0L);
                // ENOSYS / EINVAL: the kernel has no seccomp filter support (CONFIG_SECCOMP_FILTER off)
                System.out.println((errno == 38 || errno == 22 ? "UNAVAILABLE" : "ERROR")
                        + " seccomp(SECCOMP_SET_MODE_FILTER) failed, errno " + errno);
                return;
            }
            MemorySegment path = arena.allocateFrom("/nonexistent-sluice-e2e/dir");
            StringBuilder out = new StringBuilder();
            for (int i = 1; i < args.length; i++) {
                String[] f = args[i].split(",");
                long[] a = new long[3];
                for (int k = 0; k < 3; k++) {
                    a[k] = f[k + 1].equals("@path") ? path.address() : Long.decode(f[k + 1]);
                }
                long ret = (long) syscall.invokeExact(state, Long.parseLong(f[0]), a[0], a[1], a[2]);
                out.append(ret)
                        .append(' ')
                        .append(ret == -1 ? (int) errnoHandle.get(state, 0L) : 0)
                        .append('\n');
            }
            System.out.print(out);
            System.out.flush();
        }
    }
}
