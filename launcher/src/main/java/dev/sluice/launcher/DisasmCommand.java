package dev.sluice.launcher;

import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.bpf.formats.ProgramWriter;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sluice disasm FILE}: prints a verified program as bpf_asm text or a tcpdump -d listing. */
@Command(
        name = "disasm",
        mixinStandardHelpOptions = true,
        description = {
            "Disassemble a BPF program (verified first).",
            "Prints bpf_asm text (reassembles to the same bits) or a tcpdump -d style listing."
        })
final class DisasmCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Parameters(paramLabel = "FILE", description = "The program, any BPF format.")
    Path file;

    @Option(
            names = "--output-format",
            paramLabel = "FORMAT",
            completionCandidates = FormatNames.Text.class,
            defaultValue = "asm",
            description = "Text format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Override
    public Integer call() {
        if (options.inetdiag()) {
            spec.commandLine().getOut().print(InetDiagCommands.disassemble(file, main.polyglot));
            return Main.OK;
        }
        if (options.ebpf()) {
            if (!outputFormat.equals("asm")) {
                throw UserError.usage("disasm --lang ebpf prints asm");
            }
            EbpfCommands.Loaded loaded = EbpfCommands.load(
                    file,
                    EbpfCommands.format(options.inputFormat),
                    EbpfCommands.type(options.profile, dev.sluice.ebpf.isa.ProgramType.RAW));
            spec.commandLine().getOut().print(EbpfCommands.disassemble(loaded));
            return Main.OK;
        }
        OutputFormat format = AsmCommand.outputFormat(outputFormat);
        if (!format.isText()) {
            throw UserError.usage("disasm prints text; use 'sluice asm --output-format raw' for raw bytes");
        }
        Arch arch = options.arch(main.polyglot);
        LoadedProgram loaded = LoadedProgram.load(
                file, options.profile(main.polyglot, Profile.SECCOMP), arch, options.inputFormat(main.polyglot));
        spec.commandLine().getOut().print(ProgramWriter.writeText(loaded.program(), format, AsmCommand.cName(file)));
        return Main.OK;
    }
}
