package dev.sluice.scpl.oci;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.oci.JsonTree.Arr;
import dev.sluice.scpl.oci.JsonTree.Node;
import dev.sluice.scpl.oci.JsonTree.Num;
import dev.sluice.scpl.oci.JsonTree.Obj;
import dev.sluice.scpl.oci.JsonTree.Str;
import dev.sluice.scpl.parse.Ast.Pos;
import dev.sluice.scpl.parse.Diagnostics;
import dev.sluice.scpl.syscalls.Errno;
import dev.sluice.scpl.syscalls.SyscallTable;
import dev.sluice.scpl.text.ScplLayout;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a Docker/OCI seccomp profile (moby's {@code profiles/seccomp/default.json} format, a superset of the OCI
 * runtime-spec {@code linux.seccomp} object) into readable SCPL, for one capability set and one native arch.
 *
 * <p>The meaning carried over is the one a container gets from Docker + runc + libseccomp:
 * <ul>
 * <li>{@code includes}/{@code excludes} are evaluated as Docker does when it loads a profile: {@code arches} against
 * the native arch's Go name (amd64, arm64, ...), {@code caps} against the given capability set (every included cap
 * must be held; any excluded cap held drops the entry). {@code minKernel} is not evaluated (a comment says so).</li>
 * <li>The filter's arches are {@code architectures}, or the {@code archMap} entry of the native arch with its
 * {@code subArchitectures}, or else the native arch alone (libseccomp's default); each arch resolves the names in
 * its own syscall table. Arches without an SCPL table are left out, with a comment.</li>
 * <li>libseccomp's rule semantics, which do not depend on rule order: an entry without {@code args} decides its
 * syscalls whatever other entries say (the first such entry if several); a rule with the default action is refused
 * by libseccomp and skipped by runtimes, so it is left out; several {@code args} are AND-ed, except that runc adds
 * each condition as its own rule (OR) when an argument index repeats, because libseccomp refuses two comparisons of
 * one argument in one rule. SCPL is first-match, so conditional entries keep file order; where two conditional
 * entries with different actions overlap, libseccomp's choice depends on its internal tree and the import may
 * differ (the profile is ambiguous there).</li>
 * <li>{@code errnoRet}/{@code defaultErrnoRet} default to EPERM for SCMP_ACT_ERRNO and SCMP_ACT_TRACE, as the
 * runtime spec says; on any other action they are an error. Comparisons are unsigned 64-bit; MASKED_EQ is
 * {@code (arg & value) == valueTwo}.</li>
 * <li>A name that no target arch knows is left out with a comment; a name some target arches lack is kept, and
 * SCPL's checker resolves it only where it exists (it warns for the others).</li>
 * </ul>
 * Malformed JSON and schema violations are {@code file:line:col} errors.
 */
public final class OciImporter {
    private OciImporter() {}

    /**
     * @param nativeArch the host arch the profile is loaded on: selects the {@code archMap} entry, evaluates
     *            {@code includes/excludes.arches}, and is the target when the profile names no arch
     * @param arches target arches overriding the profile's (empty: take them from the profile)
     */
    public record ImportOptions(Arch nativeArch, List<Arch> arches, KernelVersion kernel) {
        public ImportOptions {
            arches = List.copyOf(arches);
            java.util.Objects.requireNonNull(kernel);
        }

        /** Native arch x86_64, the profile's own arches, {@code minKernel} evaluated for the running kernel. */
        public static ImportOptions defaults() {
            return new ImportOptions(Arch.X86_64, List.of(), KernelVersion.running());
        }

        public ImportOptions nativeArch(Arch a) {
            return new ImportOptions(a, arches, kernel);
        }

        public ImportOptions arches(List<Arch> override) {
            return new ImportOptions(nativeArch, override, kernel);
        }

        /** The kernel {@code includes/excludes.minKernel} are evaluated for, as Docker does with the host's. */
        public ImportOptions kernel(KernelVersion k) {
            return new ImportOptions(nativeArch, arches, k);
        }
    }

    /**
     * A kernel version as Docker compares it: only "kernel" and "major revision" ({@code 6.18} of
     * {@code 6.18.0-1-amd64}); moby profiles/seccomp kernel_linux.go, kernelGreaterEqualThan.
     */
    public record KernelVersion(int kernel, int major) implements Comparable<KernelVersion> {
        private static final java.util.regex.Pattern RELEASE =
                java.util.regex.Pattern.compile("(\\d{1,9})\\.(\\d{1,9})(?:[.\\-+~_].*)?");

        /**
         * A release string as {@code uname -r} prints it ({@code 6.18.0-1-amd64}) or {@code X.Y}; empty if it does
         * not start with two dot-separated numbers.
         */
        public static java.util.Optional<KernelVersion> parseRelease(String release) {
            java.util.regex.Matcher m = RELEASE.matcher(release.strip());
            if (!m.matches()) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
        }

        /** The running kernel ({@code os.version} is uname's release on Linux); 0.0 if it cannot be read. */
        public static KernelVersion running() {
            return parseRelease(System.getProperty("os.version", "")).orElse(new KernelVersion(0, 0));
        }

        public boolean atLeast(KernelVersion min) {
            return compareTo(min) >= 0;
        }

        @Override
        public int compareTo(KernelVersion o) {
            return kernel != o.kernel ? Integer.compare(kernel, o.kernel) : Integer.compare(major, o.major);
        }

        @Override
        public String toString() {
            return kernel + "." + major;
        }
    }

    /** Converts the profile; {@code capabilities} may be written with or without the {@code CAP_} prefix. */
    public static String toScpl(String jsonText, String sourceName, Set<String> capabilities, ImportOptions opts) {
        Set<String> caps = new TreeSet<>();
        for (String c : capabilities) {
            caps.add(normalizeCap(c));
        }
        Node root = JsonTree.parse(sourceName, jsonText);
        return new Importer(sourceName, jsonText, caps, opts).run(root);
    }

    static String normalizeCap(String c) {
        String u = c.trim().toUpperCase(Locale.ROOT);
        return u.startsWith("CAP_") ? u : "CAP_" + u;
    }

    /** Go's GOARCH names (and the names profiles use) of an arch, as in includes/excludes.arches. */
    static Set<String> goNames(Arch a) {
        return switch (a) {
            case X86_64 -> Set.of("amd64", "x86_64");
            case X86 -> Set.of("386", "x86", "i386");
            case X32 -> Set.of("x32");
            case AARCH64 -> Set.of("arm64", "aarch64");
            case ARM -> Set.of("arm");
            case MIPSEL -> Set.of("mipsle", "mipsel");
            case MIPSEL64 -> Set.of("mips64le", "mipsel64");
            case MIPSEL64N32 -> Set.of("mips64len32", "mipsel64n32");
            default -> Set.of(a.token());
        };
    }

    /** SCMP_ARCH_* names libseccomp knows but Sluice's Arch does not. */
    private static final Set<String> OTHER_SCMP_ARCHES = Set.of("LOONGARCH64", "M68K", "SH", "SHEB", "NATIVE");

    /** An SCMP_ACT_* action with its data, normalized so equal actions compare equal. */
    record Act(String kind, int data) {
        String scpl() {
            SeccompAction action = kind.equals("NOTIFY") ? SeccompAction.USER_NOTIF : SeccompAction.valueOf(kind);
            String word = dev.sluice.scpl.policy.ActionWord.of(action).spelling;
            return switch (action) {
                case TRACE -> word + " " + data;
                case ERRNO -> word + " " + Errno.name(data).orElse(Integer.toString(data));
                default -> word; // libseccomp's SCMP_ACT_TRAP carries no value
            };
        }
    }

    record Arg(int index, String op, BigInteger value, BigInteger valueTwo) {
        String scpl() {
            String a = "arg" + index;
            return switch (op) {
                case "SCMP_CMP_EQ" -> a + " == " + num(value);
                case "SCMP_CMP_NE" -> a + " != " + num(value);
                case "SCMP_CMP_LT" -> a + " < " + num(value);
                case "SCMP_CMP_LE" -> a + " <= " + num(value);
                case "SCMP_CMP_GT" -> a + " > " + num(value);
                case "SCMP_CMP_GE" -> a + " >= " + num(value);
                case "SCMP_CMP_MASKED_EQ" -> a + " & 0x" + value.toString(16) + " == " + num(valueTwo);
                default -> throw new IllegalStateException(op);
            };
        }

        static String num(BigInteger v) {
            return v.compareTo(BigInteger.valueOf(0x10000)) < 0 ? v.toString() : "0x" + v.toString(16);
        }
    }

    static final Set<String> OPS = Set.of(
            "SCMP_CMP_NE",
            "SCMP_CMP_LT",
            "SCMP_CMP_LE",
            "SCMP_CMP_EQ",
            "SCMP_CMP_GE",
            "SCMP_CMP_GT",
            "SCMP_CMP_MASKED_EQ");

    private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private static final class Importer {
        private final String file;
        private final String text;
        private final Set<String> caps;
        private final ImportOptions opts;
        private final List<String> header = new ArrayList<>();
        private List<Arch> targets;

        Importer(String file, String text, Set<String> caps, ImportOptions opts) {
            this.file = file;
            this.text = text;
            this.caps = caps;
            this.opts = opts;
        }

        private SluiceException schema(Pos at, String message) {
            return Diagnostics.error(at, text, ScplFailure.OCI_SCHEMA, message);
        }

        private Obj object(Node n, String what) {
            if (n instanceof Obj o) {
                return o;
            }
            throw schema(n.pos(), what + " must be an object, found " + n.describe());
        }

        private List<Node> array(Obj o, String key, String what) {
            Node n = o.get(key);
            if (n == null) {
                return List.of();
            }
            if (n instanceof Arr a) {
                return a.items();
            }
            throw schema(n.pos(), what + "." + key + " must be an array, found " + n.describe());
        }

        private String string(Node n, String what) {
            if (n instanceof Str s) {
                return s.value();
            }
            throw schema(n.pos(), what + " must be a string, found " + n.describe());
        }

        private List<String> strings(Obj o, String key, String what) {
            List<String> out = new ArrayList<>();
            for (Node n : array(o, key, what)) {
                out.add(string(n, what + "." + key + " entries"));
            }
            return out;
        }

        private BigInteger unsigned(Node n, String what, BigInteger max) {
            if (n instanceof Num num && num.integral()) {
                if (num.value().signum() < 0 || num.value().compareTo(max) > 0) {
                    throw schema(n.pos(), what + " " + num.text() + " is out of range 0.." + max);
                }
                return num.value();
            }
            throw schema(n.pos(), what + " must be an unsigned integer, found " + n.describe());
        }

        String run(Node rootNode) {
            Obj root = object(rootNode, "the profile");
            for (String key : root.members().keySet()) {
                if (!Set.of(
                                "defaultAction",
                                "defaultErrnoRet",
                                "defaultErrno",
                                "architectures",
                                "archMap",
                                "syscalls",
                                "flags",
                                "listenerPath",
                                "listenerMetadata")
                        .contains(key)) {
                    header.add(
                            "field \"" + Words.clip(key, 64) + "\" is not part of the seccomp profile format; ignored");
                }
            }
            Node da = root.get("defaultAction");
            if (da == null) {
                throw schema(root.pos(), "the profile has no \"defaultAction\"");
            }
            Act defaultAction = action(da, root.get("defaultErrnoRet"), root.get("defaultErrno"), "defaultAction");
            targets = targets(root);
            if (root.get("flags") != null) {
                header.add("\"flags\" " + strings(root, "flags", "the profile")
                        + " choose how the filter is installed, not what it decides; not carried over");
            }
            if (root.get("listenerPath") != null) {
                header.add(
                        "\"listenerPath\" (where SCMP_ACT_NOTIFY events go) is the runtime's business; not carried over");
            }
            List<Entry> entries = new ArrayList<>();
            List<Node> syscalls = array(root, "syscalls", "the profile");
            for (int i = 0; i < syscalls.size(); i++) {
                entries.add(entry(object(syscalls.get(i), "syscalls[" + i + "]"), i, defaultAction));
            }
            resolveOverlaps(entries);
            return render(defaultAction, entries);
        }

        // --- arches ---

        private Arch scmpArch(Node n, List<String> unsupported) {
            String s = string(n, "an architecture");
            if (!s.startsWith("SCMP_ARCH_")) {
                throw schema(n.pos(), "architecture \"" + Words.clip(s, 64) + "\" is not an SCMP_ARCH_* name");
            }
            String suffix = s.substring("SCMP_ARCH_".length());
            if (OTHER_SCMP_ARCHES.contains(suffix)) {
                unsupported.add(s);
                return null;
            }
            Arch a;
            try {
                a = Arch.fromToken(suffix.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw schema(n.pos(), "unknown architecture \"" + Words.clip(s, 64) + "\"");
            }
            if (!SyscallTable.SUPPORTED.contains(a)) {
                unsupported.add(s);
                return null;
            }
            return a;
        }

        private List<Arch> targets(Obj root) {
            Node list = root.get("architectures");
            Node map = root.get("archMap");
            if (list != null && map != null) {
                throw schema(
                        root.keys().get("archMap"),
                        "both \"architectures\" and \"archMap\" are given; use one of them (as Docker requires)");
            }
            List<String> unsupported = new ArrayList<>();
            Set<Arch> out = new LinkedHashSet<>();
            if (list != null) {
                for (Node n : array(root, "architectures", "the profile")) {
                    Arch a = scmpArch(n, unsupported);
                    if (a != null) {
                        out.add(a);
                    }
                }
            }
            if (map != null) {
                List<Node> entries = array(root, "archMap", "the profile");
                boolean found = false;
                for (int i = 0; i < entries.size(); i++) {
                    Obj m = object(entries.get(i), "archMap[" + i + "]");
                    Node archNode = m.get("architecture");
                    if (archNode == null) {
                        throw schema(m.pos(), "archMap[" + i + "] has no \"architecture\"");
                    }
                    List<String> ignored = new ArrayList<>();
                    Arch a = scmpArch(archNode, ignored);
                    List<Node> subs = array(m, "subArchitectures", "archMap[" + i + "]");
                    if (a == opts.nativeArch() && !found) {
                        found = true;
                        out.add(a);
                        for (Node s : subs) {
                            Arch sa = scmpArch(s, unsupported);
                            if (sa != null) {
                                out.add(sa);
                            }
                        }
                    } else {
                        subs.forEach(s -> scmpArch(s, ignored)); // still checked for typos
                    }
                }
                if (!found) {
                    header.add("archMap has no entry for the native arch "
                            + opts.nativeArch().token() + "; the filter covers the native arch only");
                }
            }
            if (out.isEmpty() && unsupported.isEmpty()) {
                out.add(opts.nativeArch());
            }
            if (!unsupported.isEmpty()) {
                header.add("no SCPL syscall table for " + String.join(", ", unsupported)
                        + ": left out (the filter gives them bad_arch_action)");
            }
            if (!opts.arches().isEmpty()) {
                header.add("target arches set by the importer's options, replacing the profile's "
                        + out.stream().map(Arch::token).toList());
                out = new LinkedHashSet<>(opts.arches());
            }
            List<String> noTable = out.stream()
                    .filter(a -> !SyscallTable.SUPPORTED.contains(a))
                    .map(Arch::token)
                    .toList();
            if (out.isEmpty() || !noTable.isEmpty()) {
                String names = out.isEmpty() ? String.join(", ", unsupported) : String.join(", ", noTable);
                throw Diagnostics.error(
                        root.pos(),
                        text,
                        ScplFailure.OCI_NO_TARGET_ARCH,
                        names,
                        String.join(
                                ", ",
                                SyscallTable.SUPPORTED.stream().map(Arch::token).toList()));
            }
            return List.copyOf(out);
        }

        // --- actions ---

        private Act action(Node actionNode, Node errnoRet, Node errnoName, String what) {
            String name = string(actionNode, what);
            String kind = switch (name) {
                case "SCMP_ACT_ALLOW" -> "ALLOW";
                case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> "KILL_THREAD";
                case "SCMP_ACT_KILL_PROCESS" -> "KILL_PROCESS";
                case "SCMP_ACT_TRAP" -> "TRAP";
                case "SCMP_ACT_ERRNO" -> "ERRNO";
                case "SCMP_ACT_TRACE" -> "TRACE";
                case "SCMP_ACT_LOG" -> "LOG";
                case "SCMP_ACT_NOTIFY" -> "NOTIFY";
                default ->
                    throw schema(
                            actionNode.pos(),
                            "unknown action \"" + Words.clip(name, 64)
                                    + "\" (expected SCMP_ACT_ALLOW, ERRNO, KILL, KILL_THREAD, KILL_PROCESS, TRAP, TRACE, LOG or NOTIFY)");
            };
            boolean takesErrno = kind.equals("ERRNO") || kind.equals("TRACE");
            Node given = errnoRet != null ? errnoRet : errnoName;
            if (given != null && !takesErrno) {
                throw schema(
                        given.pos(),
                        "an errno is given for " + name
                                + ", which returns none (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one)");
            }
            int data = 0;
            if (takesErrno) {
                int max = kind.equals("ERRNO") ? SeccompAction.MAX_ERRNO : 0xffff;
                if (errnoRet != null) {
                    data = unsigned(errnoRet, "the errno of " + what, BigInteger.valueOf(max))
                            .intValue();
                }
                if (errnoName != null) {
                    // containers/common's field: a name or a decimal string; it wins over errnoRet there, while Docker
                    // reads only errnoRet, so the two must agree (podman's own profile gives both)
                    String e = string(errnoName, "the errno name of " + what);
                    OptionalInt v = e.matches("\\d{1,4}") ? OptionalInt.of(Integer.parseInt(e)) : Errno.lookup(e);
                    if (v.isEmpty() || v.getAsInt() > max) {
                        throw schema(errnoName.pos(), "unknown errno name \"" + Words.clip(e, 64) + "\"");
                    }
                    if (errnoRet != null && v.getAsInt() != data) {
                        throw schema(
                                errnoName.pos(),
                                "the errno of " + what + " is " + e + " (" + v.getAsInt() + ") but errnoRet is " + data
                                        + "; podman reads the name and Docker the number, so they must agree");
                    }
                    data = v.getAsInt();
                } else if (errnoRet == null) {
                    data = Errno.lookup("EPERM").getAsInt(); // the runtime spec's default
                }
            }
            return new Act(kind, data);
        }

        // --- entries ---

        /** One {@code syscalls[]} entry; {@code skip} says why it is left out. */
        final class Entry {
            final int index;
            final Pos pos;
            final List<String> names = new ArrayList<>();
            Act action;
            String condition; // SCPL condition text; null: unconditional
            String comment;
            String skip;
            final List<String> notes = new ArrayList<>();
            /** the names the SCPL rule lists, filled by resolveOverlaps */
            final List<String> kept = new ArrayList<>();

            Entry(int index, Pos pos) {
                this.index = index;
                this.pos = pos;
            }

            boolean unconditional() {
                return condition == null;
            }

            String label() {
                return "syscalls[" + index + "]";
            }
        }

        private Entry entry(Obj o, int index, Act defaultAction) {
            Entry e = new Entry(index, o.pos());
            String where = e.label();
            for (String key : o.members().keySet()) {
                if (!Set.of("names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes")
                        .contains(key)) {
                    e.notes.add("field \"" + Words.clip(key, 64) + "\" ignored");
                }
            }
            if (o.get("name") != null && o.get("names") != null) {
                throw schema(
                        o.keys().get("name"), where + " has both \"name\" and \"names\"; use one (as Docker requires)");
            }
            if (o.get("name") != null) {
                e.names.add(string(o.get("name"), where + ".name"));
            } else {
                for (String n : strings(o, "names", where)) {
                    if (!e.names.contains(n)) {
                        e.names.add(n);
                    }
                }
            }
            if (o.get("names") == null && o.get("name") == null) {
                throw schema(o.pos(), where + " has no \"names\"");
            }
            Node actionNode = o.get("action");
            if (actionNode == null) {
                throw schema(o.pos(), where + " has no \"action\"");
            }
            e.action = action(actionNode, o.get("errnoRet"), o.get("errno"), where);
            List<Arg> args = new ArrayList<>();
            List<Node> argNodes = array(o, "args", where);
            for (int i = 0; i < argNodes.size(); i++) {
                args.add(arg(object(argNodes.get(i), where + ".args[" + i + "]"), where + ".args[" + i + "]"));
            }
            if (!args.isEmpty()) {
                Set<Integer> seen = new HashSet<>();
                boolean repeated = false;
                for (Arg a : args) {
                    repeated |= !seen.add(a.index());
                }
                if (repeated) {
                    // runc: libseccomp refuses two comparisons of one argument in a rule, so each becomes its own rule
                    e.notes.add(
                            "an argument index repeats: the conditions are OR-ed, as runc adds each as its own rule");
                    e.condition =
                            String.join(" || ", args.stream().map(Arg::scpl).toList());
                } else {
                    e.condition =
                            String.join(" && ", args.stream().map(Arg::scpl).toList());
                }
            }
            Node c = o.get("comment");
            if (c != null) {
                e.comment = string(c, where + ".comment").strip().replaceAll("\\s+", " ");
            }
            e.skip = applies(o, where, e);
            if (e.skip == null && e.action.equals(defaultAction)) {
                e.skip = "same action as the default (libseccomp refuses such a rule; runtimes skip it)";
            }
            return e;
        }

        private Arg arg(Obj a, String where) {
            for (String key : a.members().keySet()) {
                if (!Set.of("index", "value", "valueTwo", "op").contains(key)) {
                    throw schema(
                            a.keys().get(key),
                            where + " has an unknown field \"" + Words.clip(key, 64)
                                    + "\" (expected index, value, valueTwo, op)");
                }
            }
            Node index = a.get("index");
            Node value = a.get("value");
            Node op = a.get("op");
            if (index == null || op == null) {
                throw schema(a.pos(), where + " needs \"index\" and \"op\"");
            }
            int i = unsigned(index, where + ".index", BigInteger.valueOf(5)).intValue();
            String o = string(op, where + ".op");
            if (!OPS.contains(o)) {
                throw schema(
                        op.pos(),
                        "unknown operator \"" + Words.clip(o, 64)
                                + "\" (expected SCMP_CMP_NE, LT, LE, EQ, GE, GT or MASKED_EQ)");
            }
            BigInteger v = value == null ? BigInteger.ZERO : unsigned(value, where + ".value", MAX_U64);
            BigInteger v2 = a.get("valueTwo") == null
                    ? BigInteger.ZERO
                    : unsigned(a.get("valueTwo"), where + ".valueTwo", MAX_U64);
            if (value == null && !o.equals("SCMP_CMP_MASKED_EQ")) {
                throw schema(a.pos(), where + " has no \"value\"");
            }
            return new Arg(i, o, v, v2);
        }

        /** Docker's includes/excludes: null if the entry applies, else the reason it does not. */
        private String applies(Obj o, String where, Entry e) {
            Set<String> nativeNames = goNames(opts.nativeArch());
            Node exc = o.get("excludes");
            Node inc = o.get("includes");
            for (Node n : new Node[] {inc, exc}) {
                if (n == null) {
                    continue;
                }
                String part = where + (n == inc ? ".includes" : ".excludes");
                Obj f = object(n, part);
                for (String key : f.members().keySet()) {
                    if (!Set.of("caps", "arches", "minKernel").contains(key)) {
                        throw schema(
                                f.keys().get(key),
                                part + " has an unknown field \"" + Words.clip(key, 64)
                                        + "\" (expected caps, arches, minKernel)");
                    }
                }
            }
            // both parsed first, so a malformed version is reported whatever the other filters decide
            KernelVersion excMin = exc == null ? null : minKernel((Obj) exc, where + ".excludes");
            KernelVersion incMin = inc == null ? null : minKernel((Obj) inc, where + ".includes");
            if (exc != null) {
                Obj x = (Obj) exc;
                KernelVersion min = excMin;
                for (String a : strings(x, "arches", where + ".excludes")) {
                    if (nativeNames.contains(a)) {
                        return "excluded on " + a;
                    }
                }
                for (String c : strings(x, "caps", where + ".excludes")) {
                    if (caps.contains(normalizeCap(c))) {
                        return "excluded when " + normalizeCap(c) + " is held";
                    }
                }
                if (min != null) {
                    if (opts.kernel().atLeast(min)) {
                        return "excluded on kernel " + min + " and later (evaluated for kernel " + opts.kernel() + ")";
                    }
                    e.notes.add("excludes.minKernel " + min + ": kept, kernel " + opts.kernel() + " is older");
                }
            }
            if (inc != null) {
                Obj x = (Obj) inc;
                List<String> arches = strings(x, "arches", where + ".includes");
                if (!arches.isEmpty() && arches.stream().noneMatch(nativeNames::contains)) {
                    return "only for " + String.join(", ", arches);
                }
                for (String c : strings(x, "caps", where + ".includes")) {
                    if (!caps.contains(normalizeCap(c))) {
                        return "needs " + normalizeCap(c);
                    }
                }
                KernelVersion min = incMin;
                if (min != null) {
                    if (!opts.kernel().atLeast(min)) {
                        return "needs kernel " + min + " or later (evaluated for kernel " + opts.kernel() + ")";
                    }
                    e.notes.add("includes.minKernel " + min + ": kernel " + opts.kernel() + " is new enough");
                }
            }
            return null;
        }

        /**
         * {@code minKernel} as Docker reads it: {@code "<kernel>.<major>"}, each 0..255, not 0.0; {@code ""} is none
         * (moby profiles/seccomp seccomp.go, KernelVersion.UnmarshalJSON).
         */
        private KernelVersion minKernel(Obj filter, String where) {
            Node n = filter.get("minKernel");
            if (n == null) {
                return null;
            }
            String v = string(n, where + ".minKernel");
            if (v.isEmpty()) {
                return null;
            }
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("(\\d{1,3})\\.(\\d{1,3})").matcher(v);
            if (!m.matches() || Integer.parseInt(m.group(1)) > 255 || Integer.parseInt(m.group(2)) > 255) {
                throw schema(
                        n.pos(),
                        where + ".minKernel \"" + Words.clip(v, 64)
                                + "\" is not a kernel version \"<kernel>.<major>\" (each 0..255, as Docker reads it)");
            }
            KernelVersion k = new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            if (k.kernel() == 0 && k.major() == 0) {
                throw schema(n.pos(), where + ".minKernel cannot be 0.0 (Docker refuses it)");
            }
            return k;
        }

        // --- overlaps between entries (libseccomp's order-free meaning in first-match SCPL) ---

        private void resolveOverlaps(List<Entry> entries) {
            // (arch, nr) decided by an entry without args: the first such entry decides it in libseccomp
            Map<Arch, Map<Integer, Entry>> unconditional = new EnumMap<>(Arch.class);
            for (Arch a : targets) {
                unconditional.put(a, new HashMap<>());
            }
            for (Entry e : entries) {
                if (e.skip != null || !e.unconditional()) {
                    continue;
                }
                List<String> decidedEarlier = new ArrayList<>();
                for (String name : known(e)) {
                    boolean fresh = false;
                    Entry by = null;
                    for (Arch a : targets) {
                        OptionalInt nr = SyscallTable.forArch(a).exactNumber(name);
                        if (nr.isPresent()) {
                            Entry prev = unconditional.get(a).putIfAbsent(nr.getAsInt(), e);
                            fresh |= prev == null;
                            by = prev == null ? by : prev;
                        }
                    }
                    if (fresh) {
                        e.kept.add(name);
                    } else {
                        decidedEarlier.add(name + " (" + by.label() + ")");
                    }
                }
                if (!decidedEarlier.isEmpty()) {
                    e.notes.add(
                            "already decided by an earlier entry without args: " + String.join(", ", decidedEarlier));
                }
            }
            // conditional entries: drop names an entry without args decides (anywhere in the file), and names an
            // earlier
            // conditional rule with the same condition already decides (SCPL would reject the rule as dead code)
            Map<String, Set<String>> sameCondition = new HashMap<>();
            for (Entry e : entries) {
                if (e.skip != null || e.unconditional()) {
                    continue;
                }
                List<String> dominated = new ArrayList<>();
                for (String name : known(e)) {
                    boolean undecided = false;
                    Entry by = null;
                    for (Arch a : targets) {
                        OptionalInt nr = SyscallTable.forArch(a).exactNumber(name);
                        if (nr.isPresent()) {
                            Entry u = unconditional.get(a).get(nr.getAsInt());
                            undecided |= u == null;
                            by = u == null ? by : u;
                        }
                    }
                    if (!undecided) {
                        dominated.add(name + " (" + by.label() + ")");
                        continue;
                    }
                    if (sameCondition
                            .computeIfAbsent(name, k -> new HashSet<>())
                            .add(e.condition)) {
                        e.kept.add(name);
                    } else {
                        e.notes.add(name + ": an earlier entry has the same condition; left out");
                    }
                }
                if (!dominated.isEmpty()) {
                    e.notes.add("decided by an entry without args (libseccomp lets it win): "
                            + String.join(", ", dominated));
                }
            }
        }

        /** The entry's names that some target arch knows; the others get a note. */
        private List<String> known(Entry e) {
            List<String> out = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            for (String n : e.names) {
                boolean any = false;
                for (Arch a : targets) {
                    any |= SyscallTable.forArch(a).exactNumber(n).isPresent();
                }
                (any ? out : unknown).add(n);
            }
            if (!unknown.isEmpty()) {
                e.notes.add("not in the syscall table of "
                        + String.join(", ", targets.stream().map(Arch::token).toList()) + ", left out: "
                        + String.join(", ", unknown));
            }
            return out;
        }

        // --- output ---

        private String render(Act defaultAction, List<Entry> entries) {
            StringBuilder out = new StringBuilder();
            out.append("# Imported by Sluice from ")
                    .append(Words.printable(file))
                    .append(" (Docker/OCI seccomp profile).\n");
            comment(
                    out,
                    "# ",
                    "Native arch " + opts.nativeArch().token() + " (includes/excludes.arches are evaluated for \""
                            + goNames(opts.nativeArch()).stream()
                                    .sorted()
                                    .findFirst()
                                    .orElseThrow() + "\"); capabilities: "
                            + (caps.isEmpty() ? "none" : String.join(", ", caps)) + ".");
            out.append(
                    "# libseccomp's meaning: an entry without args decides its syscalls over entries with args; entries\n");
            out.append(
                    "# with the default action are left out; conditions on one argument index twice are OR-ed (runc).\n");
            for (String h : header) {
                comment(out, "# ", "Note: " + h + ".");
            }
            Map<Entry, List<String>> ruleItems = new HashMap<>();
            boolean groupsDeclared = false;
            for (Entry e : entries) {
                if (e.skip != null || e.kept.isEmpty()) {
                    continue;
                }
                List<String> items = new ArrayList<>();
                Map<String, List<String>> partial =
                        new LinkedHashMap<>(); // "x86_64 x32" -> names only those arches have
                for (String n : e.kept) {
                    List<String> on = targets.stream()
                            .filter(a -> SyscallTable.forArch(a).exactNumber(n).isPresent())
                            .map(Arch::token)
                            .toList();
                    if (on.size() == targets.size()) {
                        items.add(n);
                    } else {
                        partial.computeIfAbsent(String.join(" ", on), k -> new ArrayList<>())
                                .add(n);
                    }
                }
                for (Map.Entry<String, List<String>> p : partial.entrySet()) {
                    if (!groupsDeclared) {
                        out.append("\n");
                        comment(
                                out,
                                "# ",
                                "A name only some of the arches have is in a group declared `on` those arches: it names the syscall there "
                                        + "and nothing on the others, as libseccomp skips a name an arch lacks. So the policy compiles for each of "
                                        + "its arches alone and for all at once.");
                        groupsDeclared = true;
                    }
                    String[] on = p.getKey().split(" ");
                    String group = "@syscalls" + e.index + "-on-" + String.join("-", on);
                    String head = "group " + group + " on "
                            + (on.length == 1 ? on[0] : "[" + String.join(", ", on) + "]") + " =";
                    out.append(ScplLayout.list(head, p.getValue(), "")).append('\n');
                    items.add(group);
                }
                ruleItems.put(e, items);
            }
            if (groupsDeclared) {
                out.append("\n");
            }
            out.append("{ arch = [")
                    .append(String.join(", ", targets.stream().map(Arch::token).toList()))
                    .append("];\n");
            out.append(
                    "  bad_arch_action = KillThread;  # libseccomp's default (SCMP_ACT_KILL) for an arch the filter does not cover\n");
            out.append("  default_action = ").append(defaultAction.scpl()).append(";\n");
            out.append("  rules = [\n");
            for (Entry e : entries) {
                String title = e.label() + (e.comment == null || e.comment.isEmpty() ? "" : ": " + e.comment);
                if (e.skip != null) {
                    comment(out, "    # ", title + " -- left out, " + e.skip + ": " + abbreviate(e.names));
                    continue;
                }
                comment(out, "    # ", title);
                for (String n : e.notes) {
                    comment(out, "    #   ", n);
                }
                if (e.kept.isEmpty()) {
                    out.append("    #   (no syscall left)\n");
                    continue;
                }
                out.append(ScplLayout.list(
                                "    " + e.action.scpl(),
                                ruleItems.get(e),
                                e.condition == null ? "" : " if " + e.condition))
                        .append('\n');
            }
            out.append("  ] }\n");
            return out.toString();
        }

        private static void comment(StringBuilder out, String prefix, String text) {
            out.append(ScplLayout.comment(prefix, text)).append('\n');
        }

        private static String abbreviate(List<String> names) {
            return names.size() > 6
                    ? String.join(", ", names.subList(0, 6)) + ", ... (" + names.size() + " names)"
                    : String.join(", ", names);
        }
    }
}
