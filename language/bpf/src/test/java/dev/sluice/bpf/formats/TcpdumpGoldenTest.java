package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files made by the real tcpdump (resources/formats/tcpdump: expressions.txt, generate.sh, VERSION =
 * tcpdump 4.99.3 / libpcap 1.10.3): for each filter, tcpdump's -ddd, -d and -dd output. Reading the ddd and writing
 * each form must reproduce tcpdump's own text byte for byte, and the asm and dd forms must reassemble to the same
 * instructions.
 */
class TcpdumpGoldenTest {
    record Golden(String name, String options, String expression) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Golden> goldens() {
        List<Golden> out = new ArrayList<>();
        for (String line : FormatTestSupport.resource("tcpdump/expressions.txt").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            out.add(new Golden(f[0], f[1], f[2]));
        }
        return out;
    }

    static Stream<Arguments> cases() {
        return goldens().stream().map(Arguments::of);
    }

    private static String file(Golden g, String ext) {
        return FormatTestSupport.resource("tcpdump/" + g.name() + "." + ext);
    }

    @Test
    void thereAreEnoughGoldens() {
        assertTrue(goldens().size() >= 15, "goldens: " + goldens().size());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void writersReproduceTcpdumpByteForByte(Golden g) {
        String ddd = file(g, "ddd");
        Program p = TextFormats.parse(g.name() + ".ddd", ddd, InputFormat.AUTO);
        assertEquals(ddd, ProgramWriter.writeText(p, OutputFormat.DDD, null));
        assertEquals(file(g, "d"), ProgramWriter.writeText(p, OutputFormat.LISTING, null));
        assertEquals(file(g, "dd"), ProgramWriter.writeText(p, OutputFormat.DD, null));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readersAgreeAcrossFormats(Golden g) {
        Program p = TextFormats.parse(g.name() + ".ddd", file(g, "ddd"), InputFormat.DDD);
        Verifier.verify(p, Profile.SOCKET);
        assertEquals(p, TextFormats.parse(g.name() + ".dd", file(g, "dd"), InputFormat.AUTO));
        String asm = ProgramWriter.writeText(p, OutputFormat.ASM, null);
        // bpf_asm syntax spells every instruction except where libpcap leaves a value in a field the opcode ignores
        // (its 'tax' keeps k=7 in the arithmetic filter); those lines use .insn so the bits survive.
        for (String line : asm.split("\n")) {
            assertTrue(
                    !line.contains(".insn") || line.endsWith("with fields the opcode ignores set (kept bit for bit)"),
                    line);
        }
        Program again = TextFormats.parse(g.name() + ".asm", asm, InputFormat.AUTO);
        assertEquals(p, again, asm);
        assertEquals(asm, ProgramWriter.writeText(again, OutputFormat.ASM, null));
        assertEquals(p, TextFormats.parse("c", ProgramWriter.writeText(p, OutputFormat.C, g.name()), InputFormat.AUTO));
    }

    /** Stored disassemblies (resources/formats/disasm) assemble to tcpdump's bytes and are what Sluice prints. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tcp-port-80", "vlan-live-lo", "arithmetic"})
    void storedDisassembly(String name) {
        Program p = DddFormat.parse(name + ".ddd", FormatTestSupport.resource("tcpdump/" + name + ".ddd"));
        String asm = FormatTestSupport.resource("disasm/" + name + ".asm");
        assertEquals(p, AsmFormat.parse(name + ".asm", asm));
        assertEquals(asm, AsmFormat.print(p));
    }

    /** When tcpdump is installed, the stored goldens still match what it prints (else they are stale). */
    @ParameterizedTest
    @MethodSource("cases")
    void goldensMatchTheInstalledTcpdump(Golden g) throws Exception {
        boolean live = g.options().contains("-i ");
        String out = tcpdump(g, "-ddd");
        Assumptions.assumeTrue(
                out != null,
                () -> skip(
                        "tcpdump not installed or " + (live ? "no capture permission for " : "failed on ") + g.name()));
        String version = tcpdump(new Golden("v", "", ""), "--version");
        Assumptions.assumeTrue(
                version != null
                        && version.contains("tcpdump version 4.99.3")
                        && version.contains("libpcap version 1.10.3"),
                () -> skip("installed tcpdump is not 4.99.3/libpcap 1.10.3, the goldens' version: " + version));
        assertEquals(file(g, "ddd"), out);
        assertEquals(file(g, "d"), tcpdump(g, "-d"));
        assertEquals(file(g, "dd"), tcpdump(g, "-dd"));
    }

    private static String skip(String why) {
        System.err.println("SKIPPED: " + why);
        return "SKIPPED: " + why;
    }

    /** tcpdump's stdout, or null when it cannot run. */
    private static String tcpdump(Golden g, String flag) throws InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tcpdump", flag));
        if (!g.options().isBlank()) {
            cmd.addAll(List.of(g.options().trim().split("\\s+")));
        }
        if (!g.expression().isEmpty()) {
            cmd.add(g.expression());
        }
        try {
            Process proc = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            byte[] bytes = proc.getInputStream().readAllBytes();
            if (!proc.waitFor(30, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                return null;
            }
            return proc.exitValue() == 0 ? new String(bytes, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
