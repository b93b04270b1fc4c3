package dev.sluice.launcher;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice asm FILE}: assembles a text program into another format. */
@Command(name = "asm", mixinStandardHelpOptions = true, description = "Assemble a BPF text program (bpf_asm, tcpdump -d/-dd/-ddd).")
final class AsmCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The text program.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Output file (default: stdout).")
    Path output;

    @Option(names = "--output-format", paramLabel = "raw|ddd|dd|c|asm", description = "Output format (default: raw).")
    String outputFormat;

    @Override
    public Integer call() {
        throw UserError.notYet("sluice asm: assembling needs the text formats");
    }
}
