package dev.sluice.scpl.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The meaning of a Docker/OCI seccomp profile, evaluated straight from the JSON (Jackson's tree), without SCPL: for
 * an ABI, a syscall number, its arguments and a capability set, the verdict Docker + runc + libseccomp give. Written
 * independently of {@link OciImporter} from the rules as libseccomp 2.5 applies them (checked by hand with
 * python3-seccomp): the first applicable entry without args decides; otherwise every applicable entry whose args hold
 * votes, and entries voting differently make the profile ambiguous (an AssertionError); entries with the default
 * action do not count. Names are resolved with SCPL's syscall tables (data, not logic under test).
 */
final class OciMeaning {
    // linux/seccomp.h
    static final long RET_KILL_PROCESS = 0x80000000L;
    static final long RET_KILL_THREAD = 0x00000000L;
    static final long RET_TRAP = 0x00030000L;
    static final long RET_ERRNO = 0x00050000L;
    static final long RET_USER_NOTIF = 0x7fc00000L;
    static final long RET_TRACE = 0x7ff00000L;
    static final long RET_LOG = 0x7ffc0000L;
    static final long RET_ALLOW = 0x7fff0000L;
    static final int EPERM = 1;

    private final JsonNode profile;
    private final Set<String> caps;
    private final String goArch;
    private final int[] kernel;

    /** {@code goArch}: the native arch as Docker's includes/excludes name it ("amd64"); minKernel for kernel 6.1. */
    OciMeaning(JsonNode profile, Set<String> caps, String goArch) {
        this(profile, caps, goArch, 6, 1);
    }

    /** With the kernel version {@code includes/excludes.minKernel} are compared with (kernel.major, as Docker does). */
    OciMeaning(JsonNode profile, Set<String> caps, String goArch, int kernelVersion, int majorRevision) {
        this.profile = profile;
        this.caps = caps;
        this.goArch = goArch;
        this.kernel = new int[] {kernelVersion, majorRevision};
    }

    /** Whether the kernel is at least the filter's minKernel ("4.8"); true when it has none. */
    private boolean kernelAtLeast(JsonNode filter) {
        String min = filter.path("minKernel").asText("");
        if (min.isEmpty()) {
            return true;
        }
        String[] parts = min.split("\\.");
        int k = Integer.parseInt(parts[0]);
        int m = Integer.parseInt(parts[1]);
        return kernel[0] > k || kernel[0] == k && kernel[1] >= m;
    }

    static long action(JsonNode actionNode, JsonNode errnoRet) {
        int errno = errnoRet == null || errnoRet.isNull() ? EPERM : errnoRet.asInt();
        return switch (actionNode.asText()) {
            case "SCMP_ACT_ALLOW" -> RET_ALLOW;
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> RET_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> RET_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> RET_TRAP;
            case "SCMP_ACT_ERRNO" -> RET_ERRNO | errno;
            case "SCMP_ACT_TRACE" -> RET_TRACE | errno;
            case "SCMP_ACT_LOG" -> RET_LOG;
            case "SCMP_ACT_NOTIFY" -> RET_USER_NOTIF;
            default -> throw new IllegalArgumentException(actionNode.asText());
        };
    }

    long defaultAction() {
        return action(profile.get("defaultAction"), profile.get("defaultErrnoRet"));
    }

    private static List<String> texts(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null) {
            n.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    boolean applies(JsonNode e) {
        JsonNode inc = e.path("includes");
        JsonNode exc = e.path("excludes");
        if (texts(exc.get("arches")).contains(goArch)) {
            return false;
        }
        for (String c : texts(exc.get("caps"))) {
            if (caps.contains(c)) {
                return false;
            }
        }
        if (exc.has("minKernel") && !exc.path("minKernel").asText("").isEmpty() && kernelAtLeast(exc)) {
            return false;
        }
        List<String> arches = texts(inc.get("arches"));
        if (!arches.isEmpty() && !arches.contains(goArch)) {
            return false;
        }
        return caps.containsAll(texts(inc.get("caps"))) && kernelAtLeast(inc);
    }

    static boolean holds(JsonNode arg, long[] args) {
        long a = args[arg.get("index").asInt()];
        long v = arg.get("value").bigIntegerValue().longValue();
        long v2 = arg.has("valueTwo") ? arg.get("valueTwo").bigIntegerValue().longValue() : 0;
        int c = Long.compareUnsigned(a, v);
        return switch (arg.get("op").asText()) {
            case "SCMP_CMP_EQ" -> c == 0;
            case "SCMP_CMP_NE" -> c != 0;
            case "SCMP_CMP_LT" -> c < 0;
            case "SCMP_CMP_LE" -> c <= 0;
            case "SCMP_CMP_GT" -> c > 0;
            case "SCMP_CMP_GE" -> c >= 0;
            case "SCMP_CMP_MASKED_EQ" -> (a & v) == v2;
            default -> throw new IllegalArgumentException(arg.toString());
        };
    }

    /** AND over the args; runc adds one rule per condition (OR) when an index appears twice. */
    static boolean argsHold(JsonNode argList, long[] args) {
        Set<Integer> indices = new HashSet<>();
        boolean repeated = false;
        for (JsonNode a : argList) {
            repeated |= !indices.add(a.get("index").asInt());
        }
        boolean all = true;
        boolean any = false;
        for (JsonNode a : argList) {
            boolean h = holds(a, args);
            all &= h;
            any |= h;
        }
        return repeated ? any : all;
    }

    /** Whether the entry names syscall {@code nr} of {@code abi}. */
    static boolean names(JsonNode e, Arch abi, int nr) {
        List<String> ns = texts(e.get("names"));
        if (e.has("name")) {
            ns.add(e.get("name").asText());
        }
        for (String n : ns) {
            var number = SyscallTable.forArch(abi).exactNumber(n);
            if (number.isPresent() && number.getAsInt() == nr) {
                return true;
            }
        }
        return false;
    }

    long verdict(Arch abi, int nr, long[] args) {
        long def = defaultAction();
        Set<Long> votes = new LinkedHashSet<>();
        for (JsonNode e : profile.path("syscalls")) {
            if (!applies(e) || !names(e, abi, nr)) {
                continue;
            }
            long act = action(e.get("action"), e.get("errnoRet"));
            if (act == def) {
                continue;
            }
            JsonNode argList = e.get("args");
            if (argList == null || argList.isEmpty()) {
                return act; // wins over every entry with args, before or after it in the file
            }
            if (argsHold(argList, args)) {
                votes.add(act);
            }
        }
        if (votes.size() > 1) {
            throw new AssertionError("ambiguous profile: nr " + nr + " on " + abi.token() + " gets " + votes);
        }
        return votes.isEmpty() ? def : votes.iterator().next();
    }
}
