package dev.sluice.launcher;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice compile POLICY.scpl}: SCPL to BPF in a chosen output format. */
@Command(name = "compile", mixinStandardHelpOptions = true, description = "Compile an SCPL policy to a BPF program.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "POLICY.scpl", description = "The SCPL policy.")
    Path policy;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Output file (default: stdout).")
    Path output;

    @Option(names = "--output-format", paramLabel = "raw|asm|ddd|dd|c", description = "Output format (default: asm on a terminal, raw to a file).")
    String outputFormat;

    @Option(names = "--arch", paramLabel = "ARCH", description = "Target ABI (repeatable for a multi-arch filter). Default: the host.")
    List<String> arches;

    @Override
    public Integer call() {
        throw UserError.notYet("sluice compile: compiling SCPL needs the SCPL compiler and the text formats");
    }
}
