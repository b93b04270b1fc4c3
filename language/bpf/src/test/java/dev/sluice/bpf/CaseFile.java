package dev.sluice.bpf;

import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reader of the data-driven test files in {@code src/test/resources/cases} (format: cases/README.md). A file holds
 * programs written as {@code code jt jf k} rows, each followed by the inputs to run and their expected return values,
 * or by the exact message the verifier must reject it with.
 */
final class CaseFile {
    /** One program of a case file and what is expected of it. */
    static final class ProgramCase {
        final String file;
        final String name;
        final int line;
        final Profile profile;
        final Arch arch;
        final List<Insn> insns = new ArrayList<>();
        final List<InputCase> inputs = new ArrayList<>();
        String reject;

        ProgramCase(String file, String name, int line, Profile profile, Arch arch) {
            this.file = file;
            this.name = name;
            this.line = line;
            this.profile = profile;
            this.arch = arch;
        }

        String label() {
            return name + " (" + file + ":" + line + ", " + profile.id() + ", " + arch.token() + ")";
        }
    }

    /**
     * One run: the input bytes (packet or struct seccomp_data), optional socket metadata (null = none given) and the
     * expected 32-bit return value.
     */
    record InputCase(int line, String text, byte[] bytes, Map<String, Object> meta, int expected) {
        String label() {
            return "line " + line + ": " + text;
        }
    }

    private CaseFile() {}

    static List<ProgramCase> read(Path path, String displayName) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        List<ProgramCase> programs = new ArrayList<>();
        Profile profile = null;
        Arch arch = Arch.X86_64;
        ProgramCase current = null;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String raw = lines.get(i);
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                String[] words = line.split("\\s+");
                switch (words[0]) {
                    case "profile" -> profile = Profile.fromId(words[1]);
                    case "arch" -> arch = Arch.fromToken(words[1]);
                    case "program" -> {
                        if (profile == null) {
                            throw new IllegalArgumentException(
                                    "'profile seccomp|socket' must come before the first program");
                        }
                        current = new ProgramCase(
                                displayName,
                                words.length > 1 ? line.substring(line.indexOf(words[1])) : "program@" + lineNo,
                                lineNo,
                                profile,
                                arch);
                        programs.add(current);
                    }
                    case "repeat" -> {
                        need(current, words[0]);
                        if (words.length != 6) {
                            throw new IllegalArgumentException("expected: repeat <n> code jt jf k");
                        }
                        int n = (int) number(words[1]);
                        Insn insn = insn(words[2], words[3], words[4], words[5]);
                        for (int r = 0; r < n; r++) {
                            current.insns.add(insn);
                        }
                    }
                    case "reject" -> {
                        need(current, words[0]);
                        current.reject = line.substring("reject".length()).trim();
                    }
                    case "packet" -> {
                        need(current, words[0]);
                        current.inputs.add(packet(line, lineNo));
                    }
                    case "seccomp" -> {
                        need(current, words[0]);
                        current.inputs.add(seccomp(line, lineNo, current.arch));
                    }
                    default -> {
                        need(current, "an instruction");
                        if (words.length != 4) {
                            throw new IllegalArgumentException(
                                    "expected an instruction 'code jt jf k' or a keyword, got: " + line);
                        }
                        current.insns.add(insn(words[0], words[1], words[2], words[3]));
                    }
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(displayName + ":" + lineNo + ": " + e.getMessage(), e);
            }
        }
        for (ProgramCase p : programs) {
            if (p.reject == null && p.inputs.isEmpty()) {
                throw new IllegalArgumentException(
                        displayName + ":" + p.line + ": program " + p.name + " has neither inputs nor a 'reject' line");
            }
            if (p.reject != null && !p.inputs.isEmpty()) {
                throw new IllegalArgumentException(
                        displayName + ":" + p.line + ": program " + p.name + " has both inputs and a 'reject' line");
            }
        }
        return programs;
    }

    private static void need(ProgramCase current, String what) {
        if (current == null) {
            throw new IllegalArgumentException(what + " outside a program (start one with 'program <name>')");
        }
    }

    private static Insn insn(String code, String jt, String jf, String k) {
        return new Insn((int) number(code), (int) number(jt), (int) number(jf), (int) number(k));
    }

    /** Decimal (optionally negative) or 0x hex, up to 64 bits. */
    static long number(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("0x")) {
            return Long.parseUnsignedLong(t.substring(2), 16);
        }
        if (t.startsWith("-0x")) {
            return -Long.parseUnsignedLong(t.substring(3), 16);
        }
        return Long.parseLong(t);
    }

    /** {@code packet <bytes> [meta k=v ...] => verdict}. */
    private static InputCase packet(String line, int lineNo) {
        String[] sides = splitVerdict(line);
        String body = sides[0].substring("packet".length()).trim();
        Map<String, Object> meta = null;
        int m = body.indexOf(" meta ");
        if (body.startsWith("meta ")) {
            m = 0;
        }
        String hex = m >= 0 ? body.substring(0, m).trim() : body;
        if (m >= 0) {
            meta = new LinkedHashMap<>();
            for (String kv : body.substring(m + (m == 0 ? 5 : 6)).trim().split("\\s+")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("metadata must be key=value, got '" + kv + "'");
                }
                meta.put(kv.substring(0, eq), (int) number(kv.substring(eq + 1)));
            }
        }
        return new InputCase(lineNo, sides[0].trim(), bytes(hex), meta, verdict(sides[1], false));
    }

    /** Hex bytes: tokens of an even number of hex digits, each optionally repeated with *n; '-' for none. */
    static byte[] bytes(String hex) {
        if (hex.isEmpty() || hex.equals("-")) {
            return new byte[0];
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String token : hex.split("\\s+")) {
            int star = token.indexOf('*');
            String digits = star >= 0 ? token.substring(0, star) : token;
            int times = star >= 0 ? Integer.parseInt(token.substring(star + 1)) : 1;
            if (digits.length() % 2 != 0 || digits.isEmpty()) {
                throw new IllegalArgumentException("hex token '" + token + "' must have an even number of digits");
            }
            byte[] chunk = new byte[digits.length() / 2];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
            }
            for (int t = 0; t < times; t++) {
                out.writeBytes(chunk);
            }
        }
        return out.toByteArray();
    }

    /** {@code seccomp nr=<n> [arch=<token|audit value>] [ip=<n>] [args=a0,a1,...] => verdict}. */
    private static InputCase seccomp(String line, int lineNo, Arch arch) {
        String[] sides = splitVerdict(line);
        int nr = 0;
        int auditArch = arch.auditArch();
        long ip = 0;
        long[] args = new long[6];
        for (String kv : sides[0].substring("seccomp".length()).trim().split("\\s+")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("seccomp fields must be key=value, got '" + kv + "'");
            }
            String key = kv.substring(0, eq);
            String value = kv.substring(eq + 1);
            switch (key) {
                case "nr" -> nr = (int) number(value);
                case "arch" ->
                    auditArch = Character.isDigit(value.charAt(0))
                            ? (int) number(value)
                            : Arch.fromToken(value).auditArch();
                case "ip" -> ip = number(value);
                case "args" -> {
                    String[] parts = value.split(",");
                    if (parts.length > 6) {
                        throw new IllegalArgumentException("at most 6 args");
                    }
                    for (int i = 0; i < parts.length; i++) {
                        args[i] = number(parts[i]);
                    }
                }
                default ->
                    throw new IllegalArgumentException("unknown seccomp field '" + key + "' (nr, arch, ip, args)");
            }
        }
        byte[] data = SeccompData.encodeWithAuditArch(arch, auditArch, nr, ip, args);
        return new InputCase(lineNo, sides[0].trim(), data, null, verdict(sides[1], true));
    }

    private static String[] splitVerdict(String line) {
        int arrow = line.lastIndexOf("=>");
        if (arrow < 0) {
            throw new IllegalArgumentException("missing '=> <expected return value>'");
        }
        return new String[] {line.substring(0, arrow), line.substring(arrow + 2).trim()};
    }

    /** A number, or (seccomp) an action as libseccomp spells it: ALLOW, KILL, ERRNO(5), TRACE(1), ... */
    private static int verdict(String s, boolean seccomp) {
        if (seccomp && !s.isEmpty() && Character.isLetter(s.charAt(0))) {
            String name = s;
            int data = 0;
            int paren = s.indexOf('(');
            if (paren > 0) {
                name = s.substring(0, paren);
                data = (int) number(s.substring(paren + 1, s.length() - 1));
            }
            SeccompAction action = switch (name) {
                case "KILL" -> SeccompAction.KILL_THREAD;
                case "NOTIFY" -> SeccompAction.USER_NOTIF;
                default -> SeccompAction.valueOf(name);
            };
            return action.encode(data);
        }
        return (int) number(s);
    }
}
