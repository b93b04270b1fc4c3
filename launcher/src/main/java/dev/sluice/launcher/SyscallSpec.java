package dev.sluice.launcher;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import java.util.ArrayList;
import java.util.List;

/**
 * A syscall written as on the command line: {@code openat(AT_FDCWD, 0x1000, O_RDONLY|O_CLOEXEC)}, {@code 83(0, 0755)}
 * or just {@code getpid}. Names and constants resolve through {@link Symbols} (SCPL's tables); numbers are decimal, {@code 0x} hex or
 * leading-{@code 0} octal, optionally negative (two's complement in 64 bits, so {@code -100} is AT_FDCWD).
 */
record SyscallSpec(String text, int nr, long[] args) {

    static SyscallSpec parse(String text, Arch arch) {
        String s = text.trim();
        int open = s.indexOf('(');
        String name = (open < 0 ? s : s.substring(0, open)).trim();
        if (name.isEmpty()) {
            throw bad(text, "no syscall name or number");
        }
        int nr;
        if (Character.isDigit(name.charAt(0)) || name.charAt(0) == '-') {
            long v = number(text, name);
            if (v < Integer.MIN_VALUE || v > 0xffffffffL) {
                throw bad(text, "syscall number " + name + " does not fit in 32 bits");
            }
            nr = (int) v;
        } else {
            checkIdentifier(text, name);
            nr = Symbols.syscall(arch, name);
        }
        List<Long> args = new ArrayList<>();
        if (open >= 0) {
            if (!s.endsWith(")")) {
                throw bad(text, "missing ')' at the end");
            }
            String inner = s.substring(open + 1, s.length() - 1).trim();
            if (!inner.isEmpty()) {
                for (String arg : inner.split(",", -1)) {
                    args.add(argument(text, arg.trim()));
                }
            }
        }
        if (args.size() > 6) {
            throw bad(text, "a syscall has at most 6 arguments, got " + args.size());
        }
        long[] a = new long[args.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i);
        }
        return new SyscallSpec(text, nr, a);
    }

    byte[] seccompData(Arch arch) {
        return SeccompData.encode(arch, nr, 0, args);
    }

    private static long argument(String text, String arg) {
        if (arg.isEmpty()) {
            throw bad(text, "empty argument");
        }
        long value = 0;
        for (String term : arg.split("\\|", -1)) {
            String t = term.trim();
            if (t.isEmpty()) {
                throw bad(text, "empty term in '" + arg + "'");
            }
            if (Character.isDigit(t.charAt(0)) || t.charAt(0) == '-') {
                value |= number(text, t);
            } else {
                checkIdentifier(text, t);
                value |= Symbols.constant(t);
            }
        }
        return value;
    }

    private static void checkIdentifier(String text, String id) {
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                throw bad(text, "'" + id + "' is neither a number nor a name");
            }
        }
    }

    private static long number(String text, String t) {
        boolean negative = t.startsWith("-");
        String digits = negative ? t.substring(1) : t;
        try {
            long v;
            if (digits.startsWith("0x") || digits.startsWith("0X")) {
                v = Long.parseUnsignedLong(digits.substring(2), 16);
            } else if (digits.length() > 1 && digits.startsWith("0")) {
                v = Long.parseUnsignedLong(digits.substring(1), 8);
            } else {
                v = Long.parseUnsignedLong(digits, 10);
            }
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw bad(text, "'" + t + "' is not a number");
        }
    }

    private static UserError bad(String text, String reason) {
        return UserError.usage("--syscall '" + text + "': " + reason);
    }
}
