package dev.sluice.launcher;

import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.bpf.formats.ProgramWriter;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice compile POLICY.scpl}: SCPL to a verified seccomp BPF program (translation-validated against the
 * policy's meaning by the compiler), written in a chosen format. Warnings go to stderr.
 */
@Command(
        name = "compile",
        mixinStandardHelpOptions = true,
        description = {
            "Compile an SCPL policy to a seccomp BPF program.",
            "The program is verified, and checked against the policy's meaning, before it is written."
        })
final class CompileCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    TrustOptions trust;

    @Parameters(paramLabel = "POLICY.scpl", description = "The SCPL policy.")
    Path policy;

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
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(
            names = "--arch",
            paramLabel = "ARCH",
            description =
                    "Target ABI, repeatable (a filter for several ABIs); overrides the policy's arch list. The first sets the raw byte order.")
    List<String> arches;

    @Override
    public Integer call() {
        if (!LoadedProgram.isScpl(policy)) {
            throw UserError.usage(policy + ": compile takes an SCPL policy (.scpl); use 'sluice asm' for BPF text");
        }
        OutputFormat format = AsmCommand.outputFormat(outputFormat);
        List<Arch> targets = new ArrayList<>();
        if (arches != null) {
            for (String a : arches) {
                try {
                    targets.add(Arch.fromToken(a));
                } catch (IllegalArgumentException e) {
                    throw UserError.usage(e.getMessage());
                }
            }
        }
        Arch first = targets.isEmpty() ? Arch.host() : targets.get(0);
        LoadedProgram loaded =
                LoadedProgram.load(policy, Profile.SECCOMP, first, dev.sluice.bpf.formats.InputFormat.AUTO, targets);
        loaded.printWarnings(spec.commandLine().getErr());
        Arch rawOrder = targets.isEmpty() ? loaded.policy().arches().get(0) : first;
        byte[] bytes = ProgramWriter.write(loaded.program(), format, AsmCommand.cName(policy), rawOrder.byteOrder());
        AsmCommand.writeOutput(bytes, format, output, spec);
        return Main.OK;
    }
}
