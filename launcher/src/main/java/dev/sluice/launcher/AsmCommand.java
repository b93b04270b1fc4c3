package dev.sluice.launcher;

import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.bpf.formats.ProgramWriter;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sluice asm FILE}: assembles and verifies a text program, writing it in another format. */
@Command(
        name = "asm",
        mixinStandardHelpOptions = true,
        description = {
            "Assemble a BPF text program (bpf_asm, tcpdump -d/-dd/-ddd), verified first.",
            "Raw output is in the byte order of --arch (default: the host)."
        })
final class AsmCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Parameters(paramLabel = "FILE", description = "The program.")
    Path file;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "OUT",
            description = "Output file (default: stdout).")
    Path output;

    @Option(
            names = "--output-format",
            paramLabel = "FORMAT",
            completionCandidates = FormatNames.Written.class,
            defaultValue = "raw",
            description = "Output format: ${COMPLETION-CANDIDATES} (eBPF: raw or asm; default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Override
    public Integer call() {
        if (options.ebpf()) {
            if (!outputFormat.equals("raw") && !outputFormat.equals("asm")) {
                throw UserError.usage("asm --lang ebpf writes raw or asm");
            }
            EbpfCommands.Loaded loaded = EbpfCommands.load(
                    file,
                    EbpfCommands.format(options.inputFormat == null ? "asm" : options.inputFormat),
                    EbpfCommands.type(options.profile, dev.sluice.ebpf.isa.ProgramType.RAW));
            boolean text = outputFormat.equals("asm");
            byte[] bytes = text
                    ? EbpfCommands.disassemble(loaded).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                    : loaded.raw();
            writeOutput(bytes, text ? OutputFormat.ASM : OutputFormat.RAW, output, spec);
            return Main.OK;
        }
        OutputFormat format = outputFormat(outputFormat);
        Arch arch = options.arch(main.polyglot);
        LoadedProgram loaded = LoadedProgram.load(
                file, options.profile(main.polyglot, Profile.SECCOMP), arch, options.inputFormat(main.polyglot));
        byte[] bytes = ProgramWriter.write(loaded.program(), format, cName(file), arch.byteOrder());
        writeOutput(bytes, format, output, spec);
        return Main.OK;
    }

    static void writeOutput(byte[] bytes, OutputFormat format, Path output, CommandSpec spec) {
        if (output == null) {
            if (!format.isText() && Native.isatty(1)) {
                throw UserError.usage("refusing to write raw bytes to a terminal; use -o FILE or --output-format asm");
            }
            spec.commandLine().getOut().flush();
            System.out.write(bytes, 0, bytes.length);
            System.out.flush();
            return;
        }
        try {
            Files.write(output, bytes);
        } catch (IOException e) {
            throw UserError.invalid(CliFailure.CLI_CANNOT_WRITE, output, e.getMessage());
        }
    }

    static OutputFormat outputFormat(String id) {
        try {
            return OutputFormat.fromId(id);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    /** A C identifier for the C format, from the file name. */
    static String cName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
