package dev.sluice.bpf.formats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sluice.bpf.isa.Program;
import dev.sluice.core.error.SluiceException;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Any text given to the readers ends in a Program or a located SluiceException: never another exception, never a
 * hang. Inputs are random strings over the formats' own characters and valid programs with random edits.
 */
class TextParserFuzzTest {
    private static final InputFormat[] TEXT_FORMATS = {
        InputFormat.AUTO, InputFormat.ASM, InputFormat.DDD, InputFormat.DD
    };
    private static final Duration PER_INPUT = Duration.ofSeconds(5);

    /** Parses in every text format and checks the outcome; returns how many formats accepted the text. */
    static int parseAll(String text) {
        int accepted = 0;
        for (InputFormat f : TEXT_FORMATS) {
            try {
                Program p = assertTimeoutPreemptively(PER_INPUT, () -> TextFormats.parse("fuzz.txt", text, f));
                assertNotNull(p);
                assertTrue(p.length() > 0, "an accepted program has instructions");
                for (int i = 0; i < p.length(); i++) {
                    assertTrue(p.line(i) >= 1 && p.column(i) >= 1, "insn " + i + " has a position");
                }
                accepted++;
            } catch (SluiceException e) {
                assertTrue(e.line() >= 1 && e.column() >= 1, () -> "unlocated error for " + f + ": " + e.getMessage());
                assertTrue(e.getMessage().startsWith("fuzz.txt:" + e.line() + ":" + e.column() + ": "), e.getMessage());
                assertTrue(
                        e.getMessage().length() < 300,
                        "messages clip long words: " + e.getMessage().length());
                String rendered = ErrorRendering.render(e, text);
                assertTrue(rendered.startsWith(e.getMessage()), rendered);
            } catch (RuntimeException e) {
                fail("format " + f + " threw " + e + " for input:\n" + text, e);
            }
        }
        return accepted;
    }

    @Provide
    Arbitrary<String> soup() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.strings()
                        .withChars("abcdefghijklmnopqrstuvwxyzMX_0123456789#%[]()+*&:,;{}-./\\ \t\r\n")
                        .ofMaxLength(12),
                Arbitraries.of(
                        "ld",
                        "ldh",
                        "ldb",
                        "ldx",
                        "ldxb",
                        "ldi",
                        "ldxi",
                        "st",
                        "stx",
                        "ja",
                        "jmp",
                        "jeq",
                        "jne",
                        "jneq",
                        "jlt",
                        "jle",
                        "jgt",
                        "jge",
                        "jset",
                        "add",
                        "sub",
                        "mul",
                        "div",
                        "mod",
                        "neg",
                        "and",
                        "or",
                        "xor",
                        "lsh",
                        "rsh",
                        "tax",
                        "txa",
                        "ret",
                        ".insn",
                        "len",
                        "#len",
                        "proto",
                        "vlan_tci",
                        "M[",
                        "[x + ",
                        "4*([",
                        "]&0xf)",
                        "#0x",
                        "0x",
                        "0b",
                        "-",
                        "l1:",
                        "l1",
                        "/*",
                        "*/",
                        ";",
                        "\n",
                        "{ ",
                        " },",
                        ", ",
                        "4294967296",
                        "-2147483649",
                        "99999999999999999999999",
                        "BPF_STMT(",
                        "#include",
                        "\n#"),
                Arbitraries.strings().all().ofMaxLength(4));
        return pieces.list().ofMaxSize(40).map(l -> String.join(" ", l));
    }

    @Property(tries = 3000)
    void randomText(@ForAll("soup") String text) {
        parseAll(text);
    }

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<String> printed = Combinators.combine(
                        RandomPrograms.anyFields(),
                        Arbitraries.of(OutputFormat.ASM, OutputFormat.DDD, OutputFormat.DD, OutputFormat.C))
                .as((p, f) -> f == OutputFormat.DDD && p.length() % 2 == 0
                        ? DddFormat.printCommaForm(p)
                        : ProgramWriter.writeText(p, f, "f"));
        Arbitrary<List<int[]>> edits = Combinators.combine(
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 1 << 16),
                        Arbitraries.integers().between(0, 1 << 16),
                        Arbitraries.integers().between(0, 127))
                .as((a, b, c, d) -> new int[] {a, b, c, d})
                .list()
                .ofMinSize(1)
                .ofMaxSize(6);
        return Combinators.combine(printed, edits).as(TextParserFuzzTest::mutate);
    }

    /** Applies edits: 0 delete a span, 1 insert a character, 2 replace a character, 3 duplicate a span. */
    private static String mutate(String text, List<int[]> edits) {
        StringBuilder sb = new StringBuilder(text);
        for (int[] e : edits) {
            int n = sb.length();
            int at = n == 0 ? 0 : e[1] % n;
            int len = Math.min(n - at, 1 + e[2] % 8);
            char c = (char) e[3];
            switch (e[0]) {
                case 0 -> sb.delete(at, at + len);
                case 1 -> sb.insert(at, c);
                case 2 -> {
                    if (n > 0) {
                        sb.setCharAt(at, c);
                    }
                }
                default -> sb.insert(at, sb.substring(at, at + len));
            }
        }
        return sb.toString();
    }

    @Property(tries = 3000)
    void mutatedPrograms(@ForAll("mutated") String text) {
        parseAll(text);
    }

    /** Large and pathological inputs stay linear: each is read (or rejected) well within the time bound. */
    @Test
    void pathologicalInputsEndQuickly() {
        String[] inputs = {
            "ld #" + "9".repeat(200_000) + "\nret #0",
            "l" + "x".repeat(200_000) + ": ret #0",
            "/*" + " ".repeat(200_000),
            ";".repeat(200_000),
            "ld [4]\n".repeat(50_000) + "ret #0\n",
            "a1: ".repeat(50_000) + "ret #0",
            "{ 6, 0, 0, 0 },".repeat(50_000),
            "50000\n" + "6 0 0 0\n".repeat(50_000),
            "1," + ",".repeat(100_000) + "6 0 0 0",
            "{".repeat(100_000),
            "\n".repeat(100_000),
        };
        for (String text : inputs) {
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> parseAll(text));
        }
    }

    @Test
    void manyLabelsParse() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            sb.append("l")
                    .append(i)
                    .append(": jeq #")
                    .append(i)
                    .append(", l")
                    .append(i + 1)
                    .append(", l")
                    .append(Math.min(i + 200, 4000))
                    .append('\n');
        }
        sb.append("l4000: ret #0\n");
        Program p = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> AsmFormat.parse("big.asm", sb.toString()));
        assertEquals(4001, p.length());
        assertEquals(p, AsmFormat.parse("big.asm", AsmFormat.print(p)));
    }
}
