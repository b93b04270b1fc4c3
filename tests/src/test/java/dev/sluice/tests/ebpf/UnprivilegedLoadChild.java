package dev.sluice.tests.ebpf;

import dev.sluice.tests.kernel.KernelEbpf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Run in a child JVM with no capabilities at all ({@link UnprivilegedKernelAgreementTest}): loads each socket filter
 * of the file given (one program per line, in hex) with {@code bpf(BPF_PROG_LOAD)} and prints one line per program,
 * {@code ok} or {@code errno N<TAB>the last line of the verifier's log}.
 */
public final class UnprivilegedLoadChild {
    private UnprivilegedLoadChild() {}

    public static void main(String[] args) throws IOException {
        for (String hex : Files.readAllLines(Path.of(args[0]))) {
            if (hex.isBlank()) {
                continue;
            }
            KernelEbpf.Load load = KernelEbpf.load(
                    KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER, HexFormat.of().parseHex(hex));
            if (load.ok()) {
                KernelEbpf.close(load.fd());
                System.out.println("ok");
            } else {
                System.out.println("errno " + load.errno() + "\t" + VerifierKernelAgreementTest.lastLine(load.log()));
            }
        }
    }
}
