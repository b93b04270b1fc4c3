package dev.sluice.ebpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The verifier's rules, one case each, from the {@code .cases} files in {@code src/test/resources/verifier/} (their
 * format: the README there). A refused program must fail to load with exactly the expected message, as a syntax
 * error located at its instruction; an accepted one must run on random inputs, interpreted and compiled, without a
 * run-time guard stopping it (raw programs get inputs of 64 bytes or more: the raw input's length is not known when
 * the verifier runs, so its accesses are the one kind the guards still check).
 */
class VerifierCasesTest {
    static final String[] FILES = {
        "control-flow.cases",
        "registers.cases",
        "memory.cases",
        "packet.cases",
        "maps.cases",
        "context.cases",
        "unprivileged.cases",
        "constant-time.cases"
    };

    record Case(
            String file,
            int line,
            String name,
            String type,
            String maps,
            String expect,
            String asm,
            boolean unprivileged,
            String secret) {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        for (String file : FILES) {
            String text;
            try (InputStream in = VerifierCasesTest.class.getResourceAsStream("/verifier/" + file)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException | NullPointerException e) {
                throw new IllegalStateException("missing test resource verifier/" + file, e);
            }
            String[] lines = text.split("\n", -1);
            int start = 0;
            for (int i = 0; i <= lines.length; i++) {
                if (i == lines.length || lines[i].equals("---")) {
                    Map<String, String> header = new LinkedHashMap<>();
                    StringBuilder asm = new StringBuilder();
                    for (int j = start; j < i; j++) {
                        if (lines[j].startsWith("# ") && asm.isEmpty() && lines[j].indexOf(": ") > 0) {
                            header.put(
                                    lines[j].substring(2, lines[j].indexOf(": ")),
                                    lines[j].substring(lines[j].indexOf(": ") + 2));
                        } else if (!lines[j].isBlank()) {
                            asm.append(lines[j]).append('\n');
                        }
                    }
                    if (!asm.isEmpty()) {
                        String where = file + ":" + (start + 1);
                        if (!header.containsKey("name") || !header.containsKey("expect")) {
                            throw new IllegalStateException(where + ": a case needs '# name:' and '# expect:'");
                        }
                        all.add(new Case(
                                file,
                                start + 1,
                                header.get("name"),
                                header.getOrDefault("type", "raw"),
                                header.getOrDefault("maps", ""),
                                header.get("expect"),
                                asm.toString(),
                                Boolean.parseBoolean(header.getOrDefault("unprivileged", "false")),
                                header.get("secret")));
                    }
                    start = i + 1;
                }
            }
        }
        return all;
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void everyCaseHasItsOutcome(EngineMode mode) {
        List<String> wrong = new ArrayList<>();
        int refused = 0, accepted = 0;
        Random rnd = new Random(15);
        try (Engine engine = mode.newEngine("ebpf", "ebpf-")) {
            for (Case c : cases()) {
                String where = c.file() + ":" + c.line() + " (" + c.name() + ")";
                try (Context context = mode.contextBuilder("ebpf", engine)
                        .option("ebpf.ProgramType", c.type())
                        .option("ebpf.Maps", c.maps())
                        .option("ebpf.Unprivileged", Boolean.toString(c.unprivileged()))
                        .option("ebpf.ConstantTime", Boolean.toString(c.secret() != null))
                        .option("ebpf.SecretBytes", c.secret() == null ? "" : c.secret())
                        .build()) {
                    Value program;
                    try {
                        program = context.eval(
                                org.graalvm.polyglot.Source.newBuilder("ebpf", c.asm(), "verifier-" + c.line())
                                        .mimeType("text/x-ebpf")
                                        .buildLiteral());
                    } catch (PolyglotException e) {
                        assertTrue(
                                e.isSyntaxError() && !e.isInternalError(),
                                () -> where + ": not a load-time error: " + e);
                        String message = e.getMessage().replaceFirst("^verifier-\\d+:\\d+:\\d+: ", "");
                        if (!message.equals(c.expect())) {
                            wrong.add(where + ": expected '" + c.expect() + "', got '" + message + "'");
                        }
                        refused++;
                        continue;
                    }
                    if (!c.expect().equals("ok")) {
                        wrong.add(where + ": accepted, expected '" + c.expect() + "'");
                        continue;
                    }
                    accepted++;
                    for (int run = 0; run < 4; run++) {
                        // The raw input's length is known only at run time (its accesses stay guarded): give raw cases
                        // 64 bytes or more.
                        byte[] input = new byte
                                [c.type().equals("raw") ? 64 + rnd.nextInt(16) : run == 0 ? 0 : rnd.nextInt(80)];
                        rnd.nextBytes(input);
                        try {
                            program.execute(input);
                        } catch (PolyglotException e) {
                            wrong.add(where + ": verified, but a run on " + input.length + " bytes stopped: "
                                    + e.getMessage());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), wrong);
        System.out.println("verifier cases (" + mode + "): " + refused + " refused with their messages, " + accepted
                + " accepted and run");
    }
}
