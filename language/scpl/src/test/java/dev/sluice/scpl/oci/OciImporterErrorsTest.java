package dev.sluice.scpl.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.oci.OciImporter.ImportOptions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad profiles give {@code file:line:col: message} errors; options and the smaller format features. */
class OciImporterErrorsTest {
    static SluiceException fails(String json) {
        return assertThrows(
                SluiceException.class, () -> OciImporter.toScpl(json, "p.json", Set.of(), ImportOptions.defaults()));
    }

    static String wrap(String entry) {
        return "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n    " + entry + "\n  ]\n}\n";
    }

    /** Each case: the profile, the failure, the expected line:col, and a fragment of the message. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ }                                                             | OCI_MALFORMED_JSON | 1:51 | Unexpected close marker
                    {"defaultAction": "SCMP_ACT_ERRNO"} {}                                                                          | OCI_MALFORMED_JSON | 1:37 | more content after
                    ''                                                                                                              | OCI_MALFORMED_JSON | 1:1  | empty
                    [1, 2]                                                                                                          | OCI_SCHEMA         | 1:1  | the profile must be an object, found an array
                    {"syscalls": []}                                                                                                | OCI_SCHEMA         | 1:1  | no "defaultAction"
                    {"defaultAction": "SCMP_ACT_DENY"}                                                                              | OCI_SCHEMA         | 1:19 | unknown action "SCMP_ACT_DENY"
                    {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}                                                       | OCI_SCHEMA         | 1:56 | which returns none
                    {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4096}                                                    | OCI_SCHEMA         | 1:56 | out of range 0..4095
                    {"defaultAction": "SCMP_ACT_ERRNO", "defaultAction": "SCMP_ACT_ALLOW"}                                          | OCI_SCHEMA         | 1:37 | appears twice
                    {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_46"]}                                      | OCI_SCHEMA         | 1:55 | unknown architecture "SCMP_ARCH_X86_46"
                    {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["x86_64"]}                                                | OCI_SCHEMA         | 1:55 | not an SCMP_ARCH_* name
                    {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_S390X"]}                                       | OCI_NO_TARGET_ARCH | 1:1  | SCMP_ARCH_S390X
                    {"defaultAction": "SCMP_ACT_ERRNO", "architectures": [], "archMap": []}                                         | OCI_SCHEMA         | 1:58 | both "architectures" and "archMap"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}}                                                             | OCI_SCHEMA         | 1:49 | syscalls must be an array, found an object
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]}                                 | OCI_SCHEMA         | 1:50 | syscalls[0] has no "names"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]}                                          | OCI_SCHEMA         | 1:50 | syscalls[0] has no "action"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "name": "read", "action": "SCMP_ACT_ALLOW"}]} | OCI_SCHEMA    | 1:70 | both "name" and "names"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [7], "action": "SCMP_ACT_ALLOW"}]}                   | OCI_SCHEMA         | 1:61 | must be a string, found the number 7
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_TRAP", "errnoRet": 1}]} | OCI_SCHEMA      | 1:109 | SCMP_ACT_TRAP, which returns none
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]} | OCI_SCHEMA | 1:117 | index 6 is out of range 0..5
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]} | OCI_SCHEMA | 1:129 | value -1 is out of range
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]} | OCI_SCHEMA | 1:129 | out of range 0..18446744073709551615
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1.5, "op": "SCMP_CMP_EQ"}]}]} | OCI_SCHEMA | 1:129 | must be an unsigned integer, found the non-integer number 1.5
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]} | OCI_SCHEMA | 1:138 | unknown operator "SCMP_CMP_LIKE"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ", "mask": 3}]}]} | OCI_SCHEMA | 1:153 | unknown field "mask"
                    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"capabilities": []}}]} | OCI_SCHEMA | 1:111 | unknown field "capabilities"
                    """)
    void badProfilesAreLocatedErrors(String json, ScplFailure failure, String lineCol, String fragment) {
        SluiceException e = fails(json);
        assertEquals(failure, e.failure(), e.getMessage());
        assertEquals("p.json:" + lineCol, e.sourceName() + ":" + e.line() + ":" + e.column(), e.getMessage());
        assertTrue(e.getMessage().startsWith("p.json:" + lineCol + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        if (!json.isEmpty()) {
            assertTrue(
                    e.getMessage().contains("\n    " + json.strip())
                            && e.getMessage().endsWith("^"),
                    "source line and caret: " + e.getMessage());
        }
    }

    @Test
    void multiLineProfileErrorPointsAtTheLine() {
        SluiceException e = fails(wrap("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALOW\"}"));
        assertEquals(4, e.line());
        assertEquals(35, e.column());
        assertTrue(
                e.getMessage().startsWith("p.json:4:35: not a valid seccomp profile: unknown action \"SCMP_ACT_ALOW\""),
                e.getMessage());
    }

    static String importText(String json, Set<String> caps, ImportOptions opts) {
        return OciImporter.toScpl(json, "p.json", caps, opts);
    }

    @Test
    void architecturesArchMapAndTheNativeArch() {
        String archMap = """
                        {"defaultAction": "SCMP_ACT_ERRNO",
                         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                                     {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
                         "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                                      {"names": ["set_tls"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm64", "arm"]}}]}
                        """;
        String amd64 = importText(archMap, Set.of(), ImportOptions.defaults());
        assertTrue(amd64.contains("{ arch = [x86_64, x86, x32];"), amd64);
        assertTrue(amd64.contains("left out, only for arm64, arm: set_tls"), amd64);
        String arm64 = importText(archMap, Set.of(), ImportOptions.defaults().nativeArch(Arch.AARCH64));
        assertTrue(arm64.contains("{ arch = [aarch64, arm];"), arm64);
        // set_tls is arm's, not aarch64's: a group declared on arm
        assertTrue(
                arm64.contains("group @syscalls1-on-arm on arm = set_tls;")
                        && arm64.contains("Allow @syscalls1-on-arm;"),
                arm64);
        for (List<Arch> arches : List.of(List.<Arch>of(), List.of(Arch.AARCH64), List.of(Arch.ARM))) {
            assertEquals(
                    List.of(),
                    ScplCompiler.compile(
                                    "a.scpl", arm64, CompileOptions.defaults().arches(arches))
                            .warnings(),
                    arches.toString());
        }
        String riscv = importText(archMap, Set.of(), ImportOptions.defaults().nativeArch(Arch.RISCV64));
        assertTrue(
                riscv.contains("{ arch = [riscv64];")
                        && riscv.contains("archMap has no entry for the native arch riscv64"),
                riscv);
        String override = importText(archMap, Set.of(), ImportOptions.defaults().arches(List.of(Arch.X86_64)));
        assertTrue(override.contains("{ arch = [x86_64];"), override);
        String plain = importText(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_PPC64LE\"]}",
                Set.of(),
                ImportOptions.defaults());
        assertTrue(
                plain.contains("{ arch = [x86_64];") && plain.contains("no SCPL syscall table for SCMP_ARCH_PPC64LE"),
                plain);
        String none = importText(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
                Set.of(),
                ImportOptions.defaults().nativeArch(Arch.AARCH64));
        assertTrue(none.contains("{ arch = [aarch64];"), none);
    }

    @Test
    void everyActionAndOperatorCompiles() {
        String json = """
                        {"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64"],
                         "syscalls": [
                          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                          {"names": ["write"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                          {"names": ["open"], "action": "SCMP_ACT_ERRNO", "errno": "ENOENT"},
                          {"names": ["close"], "action": "SCMP_ACT_KILL"},
                          {"names": ["stat"], "action": "SCMP_ACT_KILL_THREAD"},
                          {"names": ["fstat"], "action": "SCMP_ACT_TRAP"},
                          {"names": ["lstat"], "action": "SCMP_ACT_TRACE", "errnoRet": 42},
                          {"names": ["poll"], "action": "SCMP_ACT_LOG"},
                          {"names": ["lseek"], "action": "SCMP_ACT_NOTIFY"},
                          {"names": ["mmap"], "action": "SCMP_ACT_ALLOW", "args": [
                            {"index": 0, "value": 1, "op": "SCMP_CMP_NE"}, {"index": 1, "value": 2, "op": "SCMP_CMP_LT"},
                            {"index": 2, "value": 3, "op": "SCMP_CMP_LE"}, {"index": 3, "value": 4, "op": "SCMP_CMP_EQ"},
                            {"index": 4, "value": 5, "op": "SCMP_CMP_GE"}, {"index": 5, "value": 6, "op": "SCMP_CMP_GT"}]},
                          {"name": "mprotect", "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 4, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}
                         ],
                         "flags": ["SECCOMP_FILTER_FLAG_LOG"], "listenerPath": "/run/notify.sock", "extra": 1}
                        """;
        String scpl = importText(json, Set.of(), ImportOptions.defaults());
        for (String expected : List.of(
                "default_action = KillProcess;",
                "Allow read;",
                "Errno EACCES write;",
                "Errno ENOENT open;",
                "KillThread close;",
                "KillThread stat;",
                "Trap fstat;",
                "Trace 42 lstat;",
                "Log poll;",
                "Notify lseek;",
                "Allow mmap if arg0 != 1 && arg1 < 2 && arg2 <= 3 && arg3 == 4 && arg4 >= 5 && arg5 > 6;",
                "Allow mprotect if arg2 & 0x4 == 0;",
                "\"flags\" [SECCOMP_FILTER_FLAG_LOG]",
                "\"listenerPath\"",
                "field \"extra\" is not part of the seccomp profile format")) {
            assertTrue(scpl.contains(expected), expected + " in\n" + scpl);
        }
        CompileResult r = ScplCompiler.compile("a.scpl", scpl, CompileOptions.defaults());
        assertEquals(List.of(), r.warnings());
        assertTrue(r.validation().casesChecked() > 0);
    }

    @Test
    void capabilityNamesWithoutPrefixAndInAnyCase() {
        String json = """
                        {"defaultAction": "SCMP_ACT_ERRNO",
                         "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PTRACE"]}}]}
                        """;
        assertTrue(
                importText(json, Set.of("sys_ptrace"), ImportOptions.defaults()).contains("Allow ptrace;"));
        assertTrue(importText(json, Set.of("CAP_SYS_PTRACE"), ImportOptions.defaults())
                .contains("Allow ptrace;"));
        assertTrue(importText(json, Set.of(), ImportOptions.defaults())
                .contains("left out, needs CAP_SYS_PTRACE: ptrace"));
    }

    @Test
    void sameConditionTwiceAndAllNamesUnknownStillCompile() {
        String json = """
                        {"defaultAction": "SCMP_ACT_ERRNO",
                         "syscalls": [{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
                                      {"names": ["socket", "bind"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
                                      {"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}]}
                        """;
        String scpl = importText(json, Set.of(), ImportOptions.defaults());
        assertTrue(
                scpl.contains("Log bind if arg0 == 1;")
                        && scpl.contains("socket: an earlier entry has the same condition; left out"),
                scpl);
        assertTrue(scpl.contains("(no syscall left)"), scpl);
        assertEquals(
                List.of(),
                ScplCompiler.compile("a.scpl", scpl, CompileOptions.defaults()).warnings());
    }

    /** Spellings real Docker profiles use: null subArchitectures, MASKED_EQ without valueTwo, empty includes/excludes. */
    @Test
    void dockerSpellings() {
        String json = """
                        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
                         "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": null},
                                     {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}],
                         "syscalls": [
                          {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [], "comment": "", "includes": {}, "excludes": {}},
                          {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
                           "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
                          {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}}
                         ]}
                        """;
        String scpl = importText(json, Set.of(), ImportOptions.defaults());
        for (String expected : List.of(
                "{ arch = [x86_64];",
                "Allow read;",
                "Allow clone if arg0 & 0x7e020000 == 0;",
                "Allow ptrace;",
                "includes.minKernel 4.8: kernel")) {
            assertTrue(scpl.contains(expected), expected + " in\n" + scpl);
        }
        assertEquals(
                List.of(),
                ScplCompiler.compile("a.scpl", scpl, CompileOptions.defaults()).warnings());
    }

    /** minKernel as Docker parses it ("<kernel>.<major>", each 0..255, not 0.0), located. */
    @Test
    void malformedMinKernelIsALocatedError() {
        for (String bad : List.of("4", "4.8.1", "0.0", "256.1", "4.x", "v4.8")) {
            String json =
                    "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\",\n   \"includes\": {\"caps\": [\"CAP_X\"], \"minKernel\": \""
                            + bad + "\"}}]}";
            SluiceException e = fails(json);
            assertEquals(ScplFailure.OCI_SCHEMA, e.failure(), e.getMessage());
            assertEquals(3, e.line(), e.getMessage());
            assertTrue(e.getMessage().contains("syscalls[0].includes.minKernel"), e.getMessage());
        }
    }

    /** podman's profiles give errnoRet and errno (a name) together; they must agree, as Docker reads one and podman the other. */
    @Test
    void errnoNameAndNumberTogetherMustAgree() {
        String agree = """
                        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "ENOSYS",
                         "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EPERM"},
                                      {"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
                        """;
        String scpl = importText(agree, Set.of(), ImportOptions.defaults());
        assertTrue(scpl.contains("default_action = Errno ENOSYS;") && scpl.contains("Errno EPERM mkdir;"), scpl);
        SluiceException e = fails(agree.replace("\"errnoRet\": 1", "\"errnoRet\": 13"));
        assertEquals(ScplFailure.OCI_SCHEMA, e.failure());
        assertTrue(e.getMessage().contains("is EPERM (1) but errnoRet is 13"), e.getMessage());
    }

    @Test
    void truncatedAndDeeplyNestedInputAreErrorsNotCrashes() {
        SluiceException truncated = fails("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [");
        assertEquals(ScplFailure.OCI_MALFORMED_JSON, truncated.failure());
        assertEquals(2, truncated.line(), truncated.getMessage());
        assertTrue(truncated.getMessage().contains("end-of-input"), truncated.getMessage());
        SluiceException deep = fails("[".repeat(5000) + "]".repeat(5000));
        assertEquals(ScplFailure.OCI_MALFORMED_JSON, deep.failure());
        assertTrue(deep.getMessage().contains("nesting depth"), deep.getMessage());
    }
}
