package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/** Text programs through the polyglot API: AUTO detection, execution, and verifier errors at the source line. */
class TextProgramsInTheLanguageTest {
    private static final String SECCOMP_ASM = """
                    ; Deny execve with EPERM on x86_64, kill other arches.
                    l0: ld [4]
                    l1: jeq #0xc000003e, l3, l2
                    l2: ret #0
                    l3: ld [0]
                    l4: jeq #59, l5, l6
                    l5: ret #0x00050001
                    l6: ret #0x7fff0000
                    """;

    private static Context seccompContext() {
        return Context.newBuilder("bpf")
                .option("bpf.Profile", "seccomp")
                .option("bpf.Arch", "x86_64")
                .build();
    }

    @Test
    void everyTextFormatLoadsAndRuns() {
        try (Context ctx = seccompContext()) {
            var p = TextFormats.parse("x.asm", SECCOMP_ASM, InputFormat.ASM);
            for (OutputFormat f :
                    new OutputFormat[] {OutputFormat.ASM, OutputFormat.DDD, OutputFormat.DD, OutputFormat.C}) {
                Value filter = ctx.eval(
                        Source.newBuilder("bpf", ProgramWriter.writeText(p, f, "deny_execve"), "deny." + f.id())
                                .mimeType("text/x-bpf")
                                .buildLiteral());
                assertEquals(
                        0x00050001L,
                        filter.execute(SeccompData.encode(Arch.X86_64, 59, 0)).asLong(),
                        f.id());
                assertEquals(
                        0x7fff0000L,
                        filter.execute(SeccompData.encode(Arch.X86_64, 1, 0)).asLong(),
                        f.id());
                assertEquals(
                        0L,
                        filter.execute(SeccompData.encode(Arch.AARCH64, 59, 0)).asLong(),
                        f.id());
            }
        }
    }

    @Test
    void verifierErrorsPointAtTheSourceLine() throws Exception {
        String text = "ld [0]\n  ld M[20]\nret a\n";
        try (Context ctx = seccompContext()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> ctx.eval(Source.newBuilder("bpf", text, "bad.asm")
                            .mimeType("text/x-bpf-seccomp")
                            .build()));
            assertTrue(e.isSyntaxError(), e.getMessage());
            assertTrue(e.getMessage().startsWith("bad.asm:2:3: "), e.getMessage());
            assertEquals(2, e.getSourceLocation().getStartLine());
        }
    }

    @Test
    void verifierErrorsInTextGivenAsBytesAreLocatedToo() throws Exception {
        // Embedders that read a program file as bytes (the Flink job) get the same located error, not an internal one.
        byte[] text = "ld [0]\n  ld M[20]\nret a\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (Context ctx = seccompContext()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> ctx.eval(
                            Source.newBuilder("bpf", org.graalvm.polyglot.io.ByteSequence.create(text), "bad.asm")
                                    .buildLiteral()));
            assertTrue(e.isSyntaxError() && !e.isInternalError(), e.getMessage());
            assertTrue(e.getMessage().startsWith("bad.asm:2:3: "), e.getMessage());
        }
    }

    @Test
    void syntaxErrorsAreSyntaxErrors() throws Exception {
        try (Context ctx = seccompContext()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> ctx.eval(Source.newBuilder("bpf", "ld [0]\nlod [4]\nret a\n", "typo.asm")
                            .mimeType("text/x-bpf")
                            .build()));
            assertTrue(e.isSyntaxError(), e.getMessage());
            assertEquals("typo.asm:2:1: unknown mnemonic 'lod'", e.getMessage());
        }
    }
}
