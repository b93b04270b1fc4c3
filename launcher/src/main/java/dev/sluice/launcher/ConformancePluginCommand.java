package dev.sluice.launcher;

import dev.sluice.ebpf.EbpfLanguage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code sluice conformance-plugin [MEMORY] [OPTIONS...]}: the plugin protocol of the bpf_conformance runner, so that
 * its {@code bpf_conformance_runner --plugin_path} can test Sluice as it tests uBPF and the kernel. The program comes
 * on stdin as hex bytes (each followed by two spaces), the memory, when the test has one, as the first argument in
 * the same encoding. Prints r0 in hex and exits 0; on any error prints the message and exits 1. The runner's own
 * options ({@code --plugin_options}) are accepted and ignored. With {@code --elf} (the runner's {@code --elf true}) stdin
 * holds an ELF object as the runner writes it (the program as function {@code main} in section {@code .text}, or in
 * {@code xdp} with {@code --xdp_prolog true}), read by the language's ELF loader.
 *
 * <p>Programs run with {@code ebpf.Verify=false} unless {@code --ebpf.Verify=true} is given: the suite tests the
 * semantics of RFC 9669, and 13 of its programs are valid there but refused by a kernel-style verifier (shifts by an
 * immediate at or above the width, callx). Unverified programs run under the run-time guards.
 */
@Command(
        name = "conformance-plugin",
        description = {
            "Run one eBPF program as a bpf_conformance runner plugin.",
            "stdin: the program as hex bytes; first argument: the memory as hex bytes (optional). Prints r0 in hex."
        })
final class ConformancePluginCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--elf",
            description =
                    "stdin holds an ELF object (the runner's --elf true): its first program runs, "
                            + "a function in .text as type raw, one in section xdp (the runner's --xdp_prolog true) as type xdp.")
    boolean elf;

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        byte[] memory = new byte[0];
        if (!arguments.isEmpty() && !arguments.get(0).startsWith("--")) {
            memory = hex(arguments.get(0));
            if (memory == null) {
                out.println("sluice conformance-plugin: the memory argument is not hex bytes");
                return Main.INVALID;
            }
        }
        byte[] program;
        try {
            program = hex(new String(System.in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            program = null;
        }
        if (program == null) {
            out.println("sluice conformance-plugin: stdin does not hold the program as hex bytes");
            return Main.INVALID;
        }
        Map<String, String> options = Map.of(
                "ebpf.ProgramType",
                "raw",
                "ebpf.InputFormat",
                elf ? "elf" : "raw",
                "ebpf.Verify",
                main.polyglot.all().getOrDefault("ebpf.Verify", "false"));
        try (Context context = EbpfCommands.newContext(main.polyglot, options)) {
            Value p = context.eval(
                    Source.newBuilder(EbpfLanguage.ID, ByteSequence.create(program), elf ? "stdin.o" : "stdin")
                            .buildLiteral());
            if (elf) {
                // The runner's object holds one function; its first member is the program by section name.
                Value programs = p.getMember("programs");
                p = programs.getMember(programs.getMemberKeys().iterator().next());
            }
            out.println(Long.toHexString(p.execute(memory).asLong()));
            return Main.OK;
        } catch (PolyglotException e) {
            if (e.isInternalError() || e.isHostException()) {
                throw e;
            }
            out.println(e.getMessage());
            return Main.INVALID;
        }
    }

    /** Hex bytes separated by white space ("aa  bb  11  "); null when something else is there. */
    static byte[] hex(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return new byte[0];
        }
        String[] parts = t.split("\\s+");
        byte[] out = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[0-9a-fA-F]{1,2}")) {
                return null;
            }
            out[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return out;
    }
}
