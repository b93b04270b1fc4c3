package dev.sluice.scpl.oci;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.bpf.isa.Arch;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.bpf.runtime.SluiceException;
import dev.sluice.scpl.syscalls.Errno;
import dev.sluice.scpl.syscalls.SyscallTable;

/**
 * Turns a Docker/OCI seccomp profile (JSON) into readable SCPL. Meaning carried over:
 * <ul>
 * <li>{@code defaultAction} with {@code defaultErrnoRet} (ERRNO without one: EPERM, as runc does);</li>
 * <li>{@code architectures} (and {@code archMap} sub-architectures) to the policy's {@code arch} list, keeping the
 * arches SCPL has tables for;</li>
 * <li>each {@code syscalls} entry, in file order (first match wins): {@code names}, {@code action} with
 * {@code errnoRet}, {@code args} AND-ed, every {@code SCMP_CMP_*} operator (MASKED_EQ as {@code argN & value ==
 * valueTwo});</li>
 * <li>{@code includes}/{@code excludes} by {@code caps} (for the capability set given) and by {@code arches} (the
 * host arch as Go names it: amd64, 386, arm64, arm, riscv64), as Docker applies them when it loads a profile.
 * {@code minKernel} is not evaluated: such entries are kept, with a note.</li>
 * </ul>
 * Names unknown on every target arch are dropped with a note; a name an earlier entry already decides
 * unconditionally is left out of later entries (it could never apply there).
 */
public final class OciImport {
    private OciImport() {
    }

    /** The SCPL text and what the import could not carry over exactly. */
    public record Result(String scpl, List<String> notes) {
    }

    public static Result convert(String sourceName, String json, Set<String> capabilities, Arch hostArch) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw SluiceException.create(Failure.SCPL_OCI_INVALID, sourceName, e.getOriginalMessage(), "");
        }
        if (root == null || !root.isObject()) {
            throw invalid(sourceName, "the top level must be a JSON object");
        }
        return new Converter(sourceName, root, capabilities, hostArch).run();
    }

    static SluiceException invalid(String source, String why) {
        return SluiceException.create(Failure.SCPL_OCI_INVALID, source, why, "");
    }

    /** libseccomp's SCMP_ARCH_* names to Sluice arches. */
    static Arch archOf(String scmp) {
        return switch (scmp) {
            case "SCMP_ARCH_X86_64" -> Arch.X86_64;
            case "SCMP_ARCH_X86" -> Arch.X86;
            case "SCMP_ARCH_X32" -> Arch.X32;
            case "SCMP_ARCH_AARCH64" -> Arch.AARCH64;
            case "SCMP_ARCH_ARM" -> Arch.ARM;
            case "SCMP_ARCH_RISCV64" -> Arch.RISCV64;
            default -> null;
        };
    }

    /** Go's GOARCH name of an arch, as Docker's includes/excludes use them. */
    static String goArch(Arch a) {
        return switch (a) {
            case X86_64 -> "amd64";
            case X86 -> "386";
            case AARCH64 -> "arm64";
            case ARM -> "arm";
            case RISCV64 -> "riscv64";
            case X32 -> "amd64";
            default -> a.token();
        };
    }

    private static final class Converter {
        private final String source;
        private final JsonNode root;
        private final Set<String> caps;
        private final Arch host;
        private final List<String> notes = new ArrayList<>();
        private final StringBuilder out = new StringBuilder();
        private final Set<String> decided = new HashSet<>();
        private List<Arch> arches;

        Converter(String source, JsonNode root, Set<String> caps, Arch host) {
            this.source = source;
            this.root = root;
            this.caps = caps;
            this.host = host;
        }

        Result run() {
            String defaultAction = text(root, "defaultAction", true);
            JsonNode defaultErrno = root.get("defaultErrnoRet");
            arches = arches();
            out.append("# Imported from ").append(source).append(" (OCI seccomp profile).\n");
            out.append("# Capabilities: ").append(caps.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(caps)))
                            .append("; host arch: ").append(goArch(host)).append(".\n");
            out.append("{ arch = [").append(String.join(", ", arches.stream().map(Arch::token).toList())).append("];\n");
            out.append("  default_action = ").append(action(defaultAction, defaultErrno, "defaultAction")).append(";\n");
            out.append("  rules = [\n");
            JsonNode syscalls = root.get("syscalls");
            if (syscalls != null && !syscalls.isNull()) {
                if (!syscalls.isArray()) {
                    throw invalid(source, "\"syscalls\" must be an array");
                }
                for (int i = 0; i < syscalls.size(); i++) {
                    entry(syscalls.get(i), i);
                }
            }
            out.append("  ] }\n");
            return new Result(out.toString(), List.copyOf(notes));
        }

        private List<Arch> arches() {
            Set<Arch> set = new LinkedHashSet<>();
            JsonNode list = root.get("architectures");
            JsonNode map = root.get("archMap");
            if (list != null && list.isArray()) {
                for (JsonNode a : list) {
                    addArch(set, a.asText());
                }
            }
            if (map != null && map.isArray()) {
                for (JsonNode m : map) {
                    addArch(set, text(m, "architecture", true));
                    JsonNode subs = m.get("subArchitectures");
                    if (subs != null && subs.isArray()) {
                        for (JsonNode s : subs) {
                            addArch(set, s.asText());
                        }
                    }
                }
            }
            if (set.isEmpty()) {
                notes.add("the profile names no architecture SCPL has tables for; targeting the host arch " + host.token());
                set.add(host);
            }
            return List.copyOf(set);
        }

        private void addArch(Set<Arch> set, String name) {
            Arch a = archOf(name);
            if (a == null) {
                notes.add("architecture " + name + " is not supported by SCPL's syscall tables; left out");
            } else {
                set.add(a);
            }
        }

        private String text(JsonNode n, String field, boolean required) {
            JsonNode v = n.get(field);
            if (v == null || v.isNull()) {
                if (required) {
                    throw invalid(source, "missing \"" + field + "\"");
                }
                return null;
            }
            if (!v.isTextual()) {
                throw invalid(source, "\"" + field + "\" must be a string");
            }
            return v.asText();
        }

        private String action(String name, JsonNode errnoRet, String where) {
            return switch (name) {
                case "SCMP_ACT_ALLOW" -> "Allow";
                case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> "KillThread";
                case "SCMP_ACT_KILL_PROCESS" -> "KillProcess";
                case "SCMP_ACT_LOG" -> "Log";
                case "SCMP_ACT_NOTIFY" -> "Notify";
                case "SCMP_ACT_TRAP" -> "Trap";
                case "SCMP_ACT_TRACE" -> "Trace " + (errnoRet == null || errnoRet.isNull() ? 0 : errnoRet.asInt());
                case "SCMP_ACT_ERRNO" -> {
                    int e = errnoRet == null || errnoRet.isNull() ? Errno.lookup("EPERM").getAsInt() : errnoRet.asInt();
                    yield "Errno " + Errno.name(e).orElse(Integer.toString(e));
                }
                default -> throw invalid(source, where + ": unknown action " + name);
            };
        }

        private boolean applies(JsonNode entry) {
            JsonNode inc = entry.get("includes");
            JsonNode exc = entry.get("excludes");
            if (inc != null && inc.isObject()) {
                for (JsonNode c : list(inc, "caps")) {
                    if (!caps.contains(c.asText())) {
                        return false;
                    }
                }
                List<JsonNode> ar = list(inc, "arches");
                if (!ar.isEmpty() && ar.stream().noneMatch(a -> a.asText().equals(goArch(host)))) {
                    return false;
                }
            }
            if (exc != null && exc.isObject()) {
                for (JsonNode c : list(exc, "caps")) {
                    if (caps.contains(c.asText())) {
                        return false;
                    }
                }
                if (list(exc, "arches").stream().anyMatch(a -> a.asText().equals(goArch(host)))) {
                    return false;
                }
            }
            return true;
        }

        private static List<JsonNode> list(JsonNode n, String field) {
            JsonNode v = n.get(field);
            List<JsonNode> l = new ArrayList<>();
            if (v != null && v.isArray()) {
                v.forEach(l::add);
            }
            return l;
        }

        private void entry(JsonNode e, int index) {
            String where = "syscalls[" + index + "]";
            if (!e.isObject()) {
                throw invalid(source, where + " must be an object");
            }
            List<String> names = new ArrayList<>();
            for (JsonNode n : list(e, "names")) {
                names.add(n.asText());
            }
            String single = text(e, "name", false);
            if (single != null) {
                names.add(single);
            }
            if (!applies(e)) {
                out.append("    # ").append(where).append(" (").append(abbrev(names)).append(") does not apply for these capabilities / this arch\n");
                return;
            }
            String comment = text(e, "comment", false);
            if (comment != null && !comment.isBlank()) {
                out.append("    # ").append(comment.replace('\n', ' ')).append('\n');
            }
            JsonNode inc = e.get("includes");
            if (inc != null && inc.has("minKernel")) {
                notes.add(where + ": includes.minKernel " + inc.get("minKernel").asText() + " is not evaluated; the entry is kept");
            }
            String action = action(text(e, "action", true), e.get("errnoRet"), where);
            String cond = condition(e, where);
            List<String> kept = new ArrayList<>();
            for (String n : names) {
                if (!known(n)) {
                    notes.add(where + ": syscall " + n + " does not exist on " + arches.stream().map(Arch::token).toList() + "; left out");
                    continue;
                }
                if (decided.contains(n)) {
                    continue; // an earlier entry decides it unconditionally
                }
                if (!kept.contains(n)) {
                    kept.add(n);
                }
            }
            if (kept.isEmpty()) {
                return;
            }
            out.append("    ").append(action).append(" [");
            for (int i = 0; i < kept.size(); i++) {
                out.append(i == 0 ? "" : i % 8 == 0 ? ",\n      " : ", ").append(kept.get(i));
            }
            out.append(']');
            if (cond != null) {
                out.append(" if ").append(cond);
            } else {
                decided.addAll(kept);
            }
            out.append(";\n");
        }

        private boolean known(String name) {
            for (Arch a : arches) {
                if (SyscallTable.forArch(a).number(name).isPresent()) {
                    return true;
                }
            }
            return false;
        }

        private String condition(JsonNode e, String where) {
            List<JsonNode> args = list(e, "args");
            if (args.isEmpty()) {
                return null;
            }
            List<String> parts = new ArrayList<>();
            for (JsonNode a : args) {
                int index = a.path("index").asInt(-1);
                if (index < 0 || index > 5) {
                    throw invalid(source, where + ".args: index must be 0..5");
                }
                String v = hex(a.get("value"));
                String v2 = hex(a.get("valueTwo"));
                String op = a.path("op").asText();
                String arg = "arg" + index;
                parts.add(switch (op) {
                    case "SCMP_CMP_EQ" -> arg + " == " + v;
                    case "SCMP_CMP_NE" -> arg + " != " + v;
                    case "SCMP_CMP_LT" -> arg + " < " + v;
                    case "SCMP_CMP_LE" -> arg + " <= " + v;
                    case "SCMP_CMP_GT" -> arg + " > " + v;
                    case "SCMP_CMP_GE" -> arg + " >= " + v;
                    case "SCMP_CMP_MASKED_EQ" -> arg + " & " + v + " == " + v2;
                    default -> throw invalid(source, where + ".args: unknown operator " + op);
                });
            }
            return String.join(" && ", parts);
        }

        private String hex(JsonNode n) {
            if (n == null || n.isNull()) {
                return "0";
            }
            if (!n.isIntegralNumber()) {
                throw invalid(source, "argument values must be integers, got " + n);
            }
            BigInteger b = n.bigIntegerValue();
            if (b.signum() < 0 || b.bitLength() > 64) {
                throw invalid(source, "argument value " + b + " does not fit in an unsigned 64-bit number");
            }
            long v = b.longValue();
            return v >= 0 && v < 10 ? Long.toString(v) : "0x" + Long.toHexString(v).toLowerCase(Locale.ROOT);
        }

        private static String abbrev(List<String> names) {
            return names.size() > 3 ? String.join(", ", names.subList(0, 3)) + ", ..." : String.join(", ", names);
        }
    }
}
