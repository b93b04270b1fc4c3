package dev.sluice.scpl.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.bpf.isa.Arch;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.bpf.runtime.SluiceException;
import dev.sluice.scpl.BpfRunner;
import dev.sluice.scpl.Policy;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.syscalls.SyscallTable;

/**
 * A hand-written Docker-like profile, imported to SCPL and compiled: the filter must agree on every syscall of every
 * target arch (and on argument vectors around every constant in the profile) with a small independent evaluator of
 * the JSON's meaning written here.
 */
class OciImportTest {
    // linux/seccomp.h
    static final long ALLOW = 0x7fff0000L, ERRNO = 0x00050000L, KILL_THREAD = 0, KILL_PROCESS = 0x80000000L, TRAP = 0x00030000L,
                    LOG = 0x7ffc0000L, TRACE = 0x7ff00000L, NOTIFY = 0x7fc00000L;

    static String profile() throws IOException {
        try (InputStream in = OciImportTest.class.getResourceAsStream("/oci/docker-like.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The JSON's meaning: the first applicable entry naming the syscall whose args all hold, else the default. */
    static long evaluate(JsonNode root, Set<String> caps, String goArch, String name, long[] args) {
        for (JsonNode e : root.get("syscalls")) {
            if (!appliesTo(e, caps, goArch)) {
                continue;
            }
            boolean named = false;
            for (JsonNode n : e.get("names")) {
                named |= n.asText().equals(name);
            }
            if (!named) {
                continue;
            }
            boolean all = true;
            for (JsonNode a : e.path("args")) {
                long v = a.get("value").bigIntegerValue().longValue();
                long v2 = a.path("valueTwo").asLong(0);
                long x = args[a.get("index").asInt()];
                all &= switch (a.get("op").asText()) {
                    case "SCMP_CMP_EQ" -> x == v;
                    case "SCMP_CMP_NE" -> x != v;
                    case "SCMP_CMP_LT" -> Long.compareUnsigned(x, v) < 0;
                    case "SCMP_CMP_LE" -> Long.compareUnsigned(x, v) <= 0;
                    case "SCMP_CMP_GT" -> Long.compareUnsigned(x, v) > 0;
                    case "SCMP_CMP_GE" -> Long.compareUnsigned(x, v) >= 0;
                    case "SCMP_CMP_MASKED_EQ" -> (x & v) == v2;
                    default -> throw new AssertionError(a);
                };
            }
            if (all) {
                return encode(e.get("action").asText(), e.has("errnoRet") ? e.get("errnoRet").asInt() : 1);
            }
        }
        return encode(root.get("defaultAction").asText(), root.path("defaultErrnoRet").asInt(1));
    }

    static boolean appliesTo(JsonNode e, Set<String> caps, String goArch) {
        for (JsonNode c : e.path("includes").path("caps")) {
            if (!caps.contains(c.asText())) {
                return false;
            }
        }
        boolean archListed = false;
        for (JsonNode a : e.path("includes").path("arches")) {
            archListed |= a.asText().equals(goArch);
        }
        if (e.path("includes").path("arches").size() > 0 && !archListed) {
            return false;
        }
        for (JsonNode c : e.path("excludes").path("caps")) {
            if (caps.contains(c.asText())) {
                return false;
            }
        }
        for (JsonNode a : e.path("excludes").path("arches")) {
            if (a.asText().equals(goArch)) {
                return false;
            }
        }
        return true;
    }

    static long encode(String action, int data) {
        return switch (action) {
            case "SCMP_ACT_ALLOW" -> ALLOW;
            case "SCMP_ACT_ERRNO" -> ERRNO | data;
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> TRAP;
            case "SCMP_ACT_LOG" -> LOG;
            case "SCMP_ACT_TRACE" -> TRACE | data;
            case "SCMP_ACT_NOTIFY" -> NOTIFY;
            default -> throw new AssertionError(action);
        };
    }

    static List<long[]> argVectors(JsonNode root) {
        Set<Long> values = new LinkedHashSet<>(List.of(0L, 1L, -1L, 0x80000000L, 0xffffffffL, 0x100000000L));
        for (JsonNode e : root.get("syscalls")) {
            for (JsonNode a : e.path("args")) {
                long v = a.get("value").bigIntegerValue().longValue();
                values.addAll(List.of(v, v - 1, v + 1, ~v, a.path("valueTwo").asLong(0)));
            }
        }
        List<long[]> out = new ArrayList<>();
        out.add(new long[6]);
        for (long v : values) {
            for (int i = 0; i < 3; i++) {
                long[] a = new long[6];
                a[i] = v;
                out.add(a);
            }
            out.add(new long[]{v, 1, v, 0, 0, 0});
            out.add(new long[]{2, v, 15, 0, 0, 0});
        }
        return out;
    }

    void agreeEverywhere(Set<String> caps, Arch host, List<Arch> checkArches) throws IOException {
        String json = profile();
        JsonNode root = new ObjectMapper().readTree(json);
        OciImport.Result imported = OciImport.convert("docker-like.json", json, caps, host);
        CompileResult r = ScplCompiler.compile("docker-like.scpl", imported.scpl(), CompileOptions.defaults());
        assertTrue(r.validation().casesChecked() > 3000, r.validation().toString());
        Policy p = r.policy();
        List<long[]> vectors = argVectors(root);
        Set<String> withArgs = new java.util.HashSet<>();
        for (JsonNode e : root.get("syscalls")) {
            if (e.path("args").size() > 0) {
                e.get("names").forEach(n -> withArgs.add(n.asText()));
            }
        }
        int checked = 0;
        for (Arch abi : checkArches) {
            try (BpfRunner bpf = new BpfRunner(r.program(), abi)) {
                for (var e : SyscallTable.forArch(abi).all().entrySet()) {
                    for (long[] args : withArgs.contains(e.getKey()) ? vectors : vectors.subList(0, 4)) {
                        long expected = evaluate(root, caps, OciImport.goArch(host), e.getKey(), args);
                        long actual = abi == Arch.X32 ? bpf.runWithArch(Arch.X86_64.auditArch(), e.getValue(), args) : bpf.run(e.getValue(), args);
                        assertEquals(expected, actual, () -> abi + " " + e.getKey() + " " + java.util.Arrays.toString(args) + "\n" + imported.scpl());
                        assertEquals(expected, p.decide(abi.auditArch(), e.getValue(), args).unsignedVerdict());
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 1_500, "checked " + checked);
    }

    @Test
    void noCapabilitiesOnAmd64() throws IOException {
        agreeEverywhere(Set.of(), Arch.X86_64, List.of(Arch.X86_64, Arch.X86, Arch.X32));
    }

    @Test
    void sysAdminAndPtraceOnAmd64() throws IOException {
        agreeEverywhere(Set.of("CAP_SYS_ADMIN", "CAP_SYS_PTRACE"), Arch.X86_64, List.of(Arch.X86_64, Arch.AARCH64));
    }

    @Test
    void arm64Host() throws IOException {
        agreeEverywhere(Set.of(), Arch.AARCH64, List.of(Arch.AARCH64, Arch.ARM));
    }

    @Test
    void readableOutputAndNotes() throws IOException {
        OciImport.Result r = OciImport.convert("docker-like.json", profile(), Set.of(), Arch.X86_64);
        assertTrue(r.scpl().contains("arch = [x86_64, x86, x32, aarch64, arm];"), r.scpl());
        assertTrue(r.scpl().contains("default_action = Errno EPERM;"), r.scpl());
        assertTrue(r.scpl().contains("Allow [clone] if arg0 & 0x7e020000 == 0;"), r.scpl());
        assertTrue(r.scpl().contains("Errno EAFNOSUPPORT [socket] if arg0 == 0x28;"), r.scpl());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("SCMP_ARCH_S390X is not supported")), r.notes().toString());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("not_a_real_syscall")), r.notes().toString());
    }

    @Test
    void invalidProfilesAreClearErrors() {
        SluiceException e = assertThrows(SluiceException.class, () -> OciImport.convert("bad.json", "{ \"defaultAction\": ", Set.of(), Arch.X86_64));
        assertEquals(Failure.SCPL_OCI_INVALID, e.failure());
        assertTrue(e.getMessage().startsWith("bad.json: not a valid OCI seccomp profile: "), e.getMessage());
        assertEquals(Failure.SCPL_OCI_INVALID, assertThrows(SluiceException.class,
                        () -> OciImport.convert("x.json", "{\"defaultAction\": \"SCMP_ACT_FOO\"}", Set.of(), Arch.X86_64)).failure());
        assertEquals(Failure.SCPL_OCI_INVALID, assertThrows(SluiceException.class,
                        () -> OciImport.convert("x.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
                                        Set.of(), Arch.X86_64)).failure());
        assertEquals(Failure.SCPL_OCI_INVALID, assertThrows(SluiceException.class, () -> OciImport.convert("x.json", "[]", Set.of(), Arch.X86_64)).failure());
    }
}
