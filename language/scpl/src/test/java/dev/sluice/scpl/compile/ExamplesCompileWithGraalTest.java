package dev.sluice.scpl.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import dev.sluice.scpl.Examples;
import java.nio.ByteOrder;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The BPF that SCPL emits for each bundled policy compiles with Graal. A filter Graal cannot compile (e.g. too many
 * loop explosion iterations) would otherwise run in the interpreter without a word; CompilationFailureAction=Throw
 * turns that into a failure here, and the compiled filter must give the interpreter's verdict.
 */
class ExamplesCompileWithGraalTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "openssh.scpl",
                "static-file-server.scpl",
                "build-tool.scpl",
                "echo-hi.scpl",
                "deny-mkdir.scpl",
                "jitk.scpl"
            })
    void compiledPolicyCompilesWithGraalAndAgreesWithTheInterpreter(String example) throws Exception {
        CompileResult compiled = ScplCompiler.compile(
                Examples.path(example).toString(),
                Examples.text(example),
                CompileOptions.defaults().validate(false));
        byte[] raw = RawFormat.encode(compiled.program(), ByteOrder.LITTLE_ENDIAN);
        List<byte[]> inputs = List.of(
                SeccompData.encode(Arch.X86_64, 0, 0),
                SeccompData.encode(Arch.X86_64, 1, 0, 1),
                SeccompData.encode(Arch.X86_64, 9, 0, 0, 0, 4),
                SeccompData.encode(Arch.X86_64, 59, 0),
                SeccompData.encode(Arch.X86_64, 83, 0),
                SeccompData.encode(Arch.X86_64, 0x40000001, 0));
        long[] interpreted = run(raw, false, inputs);
        long[] graal = run(raw, true, inputs);
        for (int i = 0; i < inputs.size(); i++) {
            assertEquals(interpreted[i], graal[i], example + " input " + i);
        }
    }

    private static long[] run(byte[] raw, boolean compile, List<byte[]> inputs) {
        Engine.Builder eb =
                Engine.newBuilder("bpf").allowExperimentalOptions(true).option("engine.WarnInterpreterOnly", "false");
        if (compile) {
            eb.option("engine.CompileImmediately", "true")
                    .option("engine.BackgroundCompilation", "false")
                    .option("engine.CompilationFailureAction", "Throw");
        } else {
            eb.option("engine.Compilation", "false");
        }
        try (Engine engine = eb.build();
                Context c = Context.newBuilder("bpf")
                        .engine(engine)
                        .option("bpf.Arch", "x86_64")
                        .build()) {
            if (compile) {
                assertNotEquals("Interpreted", engine.getImplementationName());
            }
            Value filter = c.eval(Source.newBuilder("bpf", ByteSequence.create(raw), "policy.bpf")
                    .mimeType("application/x-bpf-seccomp")
                    .buildLiteral());
            long[] out = new long[inputs.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = filter.execute(inputs.get(i)).asLong();
            }
            return out;
        }
    }
}
