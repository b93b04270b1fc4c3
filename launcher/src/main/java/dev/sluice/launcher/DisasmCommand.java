package dev.sluice.launcher;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice disasm FILE}: prints a program as bpf_asm text or a listing. */
@Command(name = "disasm", mixinStandardHelpOptions = true, description = "Disassemble a BPF program.")
final class DisasmCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "The program, any BPF format.")
    Path file;

    @Option(names = "--output-format", paramLabel = "asm|listing", description = "asm (bpf_asm text) or listing (tcpdump -d style).")
    String outputFormat;

    @Override
    public Integer call() {
        throw UserError.notYet("sluice disasm: disassembling needs the text formats");
    }
}
