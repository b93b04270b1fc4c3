package dev.sluice.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * EbpfColdStart's programs have the length they are measured at, pass the verifier in their verified form, and compute
 * what a plain model of their blocks computes (so the compile-latency figures time the program they describe).
 */
class EbpfColdStartTest {
    @ParameterizedTest
    @CsvSource({"true, 4096", "true, 1024", "false, 4096", "false, 1024"})
    void theProgramHasItsLengthAndComputesWhatItsBlocksSay(boolean verified, int instructions) {
        String text = EbpfColdStart.program(verified, instructions, 7);
        long count = text.lines()
                .filter(line -> !line.isBlank() && !line.endsWith(":"))
                .count();
        assertEquals(instructions, count, "instructions");

        byte[] input = new byte[verified ? 128 : 8];
        input[0] = 5;
        input[2] = 9;
        input[5] = 1;
        try (Context context = Context.newBuilder("ebpf")
                .option("ebpf.Verify", verified ? "true" : "false")
                .option("ebpf.ProgramType", verified ? "xdp" : "raw")
                .option("engine.WarnInterpreterOnly", "false")
                .build()) {
            long result = context.eval(Source.newBuilder("ebpf", text, "coldstart")
                            .mimeType("text/x-ebpf")
                            .buildLiteral())
                    .execute(input)
                    .asLong();
            assertEquals(model(verified, instructions, 7, input), result);
        }
    }

    /** The blocks' effect on r0, written from their description: ldxh at (n % 3) * 2, add, add 1, xor n + salt. */
    private static long model(boolean verified, int instructions, int salt, byte[] input) {
        long r0 = verified ? 1 : 0;
        int n = verified ? 8 : 3;
        int last = instructions - (verified ? 2 : 1);
        while (n + 5 <= last) {
            int at = (n % 3) * 2;
            r0 += (input[at] & 0xff) | (input[at + 1] & 0xff) << 8;
            r0 += 1;
            r0 ^= n + salt;
            n += 5;
        }
        r0 += last - n;
        return verified ? r0 & 3 : r0;
    }
}
