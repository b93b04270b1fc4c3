package dev.sluice.scpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Data-driven policy tests: each {@code src/test/resources/scpl/cases/*.scpl} carries its expectations in comments.
 * {@code #> ABI SYSCALL [args] => VERDICT} (ABI an arch token or {@code audit=HEX}, SYSCALL a name or {@code nr=N},
 * VERDICT as SeccompAction.format prints it) is checked in all three semantics: Policy.decide, the SCPL Truffle
 * interpreter and the compiled BPF. {@code #! message} expects that error. Files ending in {@code -lib.scpl} are
 * include-only and are checked through the files that include them.
 */
class PolicyCasesTest {
    static Path dir() throws URISyntaxException {
        return Path.of(PolicyCasesTest.class.getResource("/scpl/cases").toURI());
    }

    static Stream<String> cases() throws Exception {
        try (Stream<Path> s = Files.list(dir())) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".scpl") && !n.endsWith("-lib.scpl"))
                    .sorted()
                    .toList();
            assertTrue(names.size() >= 9, names.toString());
            return names.stream();
        }
    }

    static IncludeResolver resolver() throws Exception {
        Map<String, String> files = new HashMap<>();
        try (Stream<Path> s = Files.list(dir())) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.readString(p));
            }
        }
        return IncludeResolver.of(files);
    }

    static long number(String s) {
        boolean neg = s.startsWith("-");
        String body = neg ? s.substring(1) : s;
        long v = body.startsWith("0x") ? Long.parseUnsignedLong(body.substring(2), 16) : Long.parseUnsignedLong(body);
        return neg ? -v : v;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void policyCase(String name) throws Exception {
        String text = Files.readString(dir().resolve(name));
        List<String> expectations = new ArrayList<>();
        String error = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("#>")) {
                expectations.add(line.substring(2).trim());
            } else if (line.startsWith("#!")) {
                error = line.substring(2).trim();
            }
        }
        assertTrue(error != null || !expectations.isEmpty(), name + " has no #> or #! expectations");
        CompileOptions options = CompileOptions.defaults().resolver(resolver());
        if (error != null) {
            String expected = error;
            SluiceException e = assertThrows(SluiceException.class, () -> ScplCompiler.compile(name, text, options));
            assertTrue(e.getMessage().startsWith(expected), "expected\n  " + expected + "\ngot\n  " + e.getMessage());
            return;
        }
        CompileResult r = ScplCompiler.compile(name, text, options);
        Policy p = r.policy();
        try (Context ctx = Context.newBuilder("scpl")
                        .allowIO(IOAccess.ALL)
                        .option("scpl.Arch", "x86_64")
                        .option("engine.WarnInterpreterOnly", "false")
                        .build();
                BpfRunner bpf = new BpfRunner(r.program(), Arch.X86_64)) {
            Value truffle = ctx.eval(
                    Source.newBuilder("scpl", dir().resolve(name).toFile()).build());
            for (String x : expectations) {
                String[] sides = x.split("=>");
                String[] t = sides[0].trim().split("\\s+");
                String want = sides[1].trim();
                int audit;
                Arch abi = null;
                if (t[0].startsWith("audit=")) {
                    audit = (int) number(t[0].substring(6));
                } else {
                    abi = Arch.fromToken(t[0]);
                    audit = abi.auditArch();
                }
                int nr = t[1].startsWith("nr=")
                        ? (int) number(t[1].substring(3))
                        : SyscallTable.forArch(abi).number(t[1]).getAsInt();
                long[] args = new long[6];
                for (int i = 2; i < t.length; i++) {
                    args[i - 2] = number(t[i]);
                }
                byte[] data = SeccompData.encodeWithAuditArch(Arch.X86_64, audit, nr, 0L, args);
                assertEquals(
                        want,
                        SeccompAction.format(p.decide(Arch.X86_64, data).verdict()),
                        name + ": Policy.decide: " + x);
                assertEquals(
                        want,
                        SeccompAction.format((int) truffle.execute(data).asLong()),
                        name + ": SCPL interpreter: " + x);
                assertEquals(
                        want,
                        SeccompAction.format((int) bpf.runWithArch(audit, nr, args)),
                        name + ": compiled BPF: " + x);
            }
        }
    }
}
