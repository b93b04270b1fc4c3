package dev.sluice.bpf.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.oracle.truffle.api.debug.Breakpoint;
import com.oracle.truffle.api.debug.DebugScope;
import com.oracle.truffle.api.debug.Debugger;
import com.oracle.truffle.api.debug.DebuggerSession;
import com.oracle.truffle.api.debug.SuspendedEvent;
import dev.sluice.core.testing.EngineMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Truffle's debugger on classic BPF: a breakpoint on an instruction's line stops there, stepping goes from instruction
 * to instruction along the path the input takes, and A, X and M[] are variables of the frame with the values the
 * instruction is about to see.
 */
class DebuggerTest {
    /** examples/deny-mkdir.asm with the instruction lines at 3..11. */
    static final String DENY_MKDIR = """
                    ; deny-mkdir
                    ; mkdir and mkdirat fail with EPERM
                            ld [4]
                            jne #0xc000003e, kill
                            ld [0]
                            jge #0x40000000, kill
                            jeq #83, deny
                            jeq #258, deny
                            ret #0x7fff0000
                    deny:   ret #0x00050001
                    kill:   ret #0x80000000
                    """;

    static byte[] seccompData(int nr) {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, nr);
        b.putInt(4, 0xc000003e);
        return b.array();
    }

    /** One stop of the debugger: the line and A, X as the frame shows them. */
    record Stop(int line, long a, long x) {}

    private static Stop stop(SuspendedEvent event) {
        DebugScope scope = event.getTopStackFrame().getScope();
        return new Stop(
                event.getSourceSection().getStartLine(),
                scope.getDeclaredValue("A").asLong(),
                scope.getDeclaredValue("X").asLong());
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void breakpointOnALineThenStepOverFollowsThePath(EngineMode mode) {
        Source source = Source.newBuilder("bpf", DENY_MKDIR, "deny-mkdir.asm")
                .mimeType("text/x-bpf-seccomp")
                .buildLiteral();
        List<Stop> stops = new ArrayList<>();
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", "x86_64")
                        .build()) {
            Value filter = context.eval(source);
            // Compiled before the debugger attaches: attaching must invalidate the code and still stop.
            for (int i = 0; i < 3; i++) {
                assertEquals(0x7fff0000L, filter.execute(seccompData(39)).asLong());
            }
            try (DebuggerSession session = Debugger.find(engine).startSession(event -> {
                stops.add(stop(event));
                if (stops.size() < 4) {
                    event.prepareStepOver(1);
                } else {
                    event.prepareContinue();
                }
            })) {
                session.install(Breakpoint.newBuilder(source.getURI()).lineIs(7).build());
                // mkdirat (258): stops at "jeq #83" (line 7), steps to "jeq #258" (8), then to "deny: ret" (10).
                assertEquals(0x50001L, filter.execute(seccompData(258)).asLong());
            }
        }
        assertEquals(List.of(new Stop(7, 258, 0), new Stop(8, 258, 0), new Stop(10, 258, 0)), stops);
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void scratchMemoryAndIndexRegisterAreVariables(EngineMode mode) {
        String program = """
                        ld [0]
                        st M[3]
                        ldx #7
                        ld #1
                        ld M[3]
                        add x
                        ret a
                        """;
        Source source = Source.newBuilder("bpf", program, "scratch.asm")
                .mimeType("text/x-bpf-seccomp")
                .buildLiteral();
        List<long[]> seen = new ArrayList<>();
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("bpf", engine)
                        .option("bpf.Arch", "x86_64")
                        .build();
                DebuggerSession session = Debugger.find(engine).startSession(event -> {
                    DebugScope scope = event.getTopStackFrame().getScope();
                    seen.add(new long[] {
                        event.getSourceSection().getStartLine(),
                        scope.getDeclaredValue("A").asLong(),
                        scope.getDeclaredValue("X").asLong(),
                        scope.getDeclaredValue("M").getArray().get(3).asLong(),
                        scope.getDeclaredValue("M").getArray().size()
                    });
                })) {
            session.install(Breakpoint.newBuilder(source.getURI()).lineIs(5).build());
            Value filter = context.eval(source);
            assertEquals(257 + 7, filter.execute(seccompData(257)).asLong());
        }
        assertEquals(1, seen.size());
        // Before "ld M[3]": A is still 1 (from "ld #1"), X = 7, M[3] holds the syscall number stored at line 2.
        assertEquals(
                List.of(5L, 1L, 7L, 257L, 16L),
                java.util.Arrays.stream(seen.get(0)).boxed().toList());
    }

    /**
     * A batch under the debugger: the root's body is then the instruments' wrapper, and the batch must still ask the
     * body itself how it counts accepted inputs and accounts for its budget (a wrapper inherits the defaults: it once
     * left the count uncleared, and the body failed reading it, in `sluice --inspect` on a policy's calls).
     */
    @ParameterizedTest
    @CsvSource({"INTERPRETED,false", "INTERPRETED,true", "COMPILED,false", "COMPILED,true"})
    void aBatchUnderTheDebuggerCountsItsAcceptedInputsAndItsBudget(EngineMode mode, boolean counters) {
        String program = """
                        ld [0]
                        jeq #258, deny
                        jeq #39, pass
                        ret #0x7fff0000
                deny:   ret #0
                pass:   ret a
                """;
        Source source = Source.newBuilder("bpf", program, "batch.asm")
                .mimeType("text/x-bpf-seccomp")
                .buildLiteral();
        int[] calls = {39, 258, 83, 258, 39};
        ByteBuffer records = ByteBuffer.allocate(64 * calls.length);
        for (int i = 0; i < calls.length; i++) {
            records.put(64 * i, seccompData(calls[i]));
        }
        List<Integer> stoppedWithA = new ArrayList<>();
        try (Engine engine = mode.newEngine()) {
            Context.Builder builder = mode.contextBuilder("bpf", engine).option("bpf.Arch", "x86_64");
            if (counters) {
                builder.option("bpf.MaxInstructions", "4096").option("bpf.BudgetCounters", "true");
            }
            try (Context context = builder.build();
                    DebuggerSession session = Debugger.find(engine)
                            .startSession(event -> stoppedWithA.add(event.getTopStackFrame()
                                    .getScope()
                                    .getDeclaredValue("A")
                                    .asInt()))) {
                session.install(Breakpoint.newBuilder(source.getURI()).lineIs(2).build());
                Value filter = context.eval(source);
                int[] verdicts = new int[calls.length];
                for (int round = 0; round < 3; round++) {
                    assertEquals(
                            3L,
                            filter.invokeMember("runRecords", records.array(), 64, verdicts)
                                    .asLong());
                    assertEquals(
                            List.of(39, 0, 0x7fff0000, 0, 39),
                            java.util.Arrays.stream(verdicts).boxed().toList());
                }
                if (counters) {
                    assertEquals(
                            3L * calls.length, filter.getMember("invocations").asLong());
                    // 39: 4 instructions; 258: 3; 83: 4.
                    assertEquals(
                            3L * (4 + 3 + 4 + 3 + 4),
                            filter.getMember("instructionsExecuted").asLong());
                }
            }
        }
        assertEquals(3 * calls.length, stoppedWithA.size());
        assertEquals(List.of(39, 258, 83, 258, 39), stoppedWithA.subList(0, calls.length));
    }
    /**
     * A packet filter whose halfword and word loads run in the machine's byte order while nothing watches
     * (lower.NativeOrderPlan): a debugger that attaches after the filter has run, compiled or not, still sees A as the
     * program defines it, and the verdicts do not change.
     */
    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void aDebuggerAttachedLaterSeesLoadedValuesAsTheProgramDefinesThem(EngineMode mode) {
        String program = """
                        ldh [12]
                        jeq #0x800, ip, drop
                ip:     ld [26]
                        jeq #0x0a000001, accept, drop
                accept: ret #1
                drop:   ret #0
                """;
        Source source = Source.newBuilder("bpf", program, "native-order.asm")
                .mimeType("text/x-bpf")
                .buildLiteral();
        byte[] packet = new byte[64];
        packet[12] = 0x08;
        packet[26] = 10;
        packet[29] = 1;
        List<long[]> seen = new ArrayList<>();
        try (Engine engine = mode.newEngine();
                Context context = mode.contextBuilder("bpf", engine)
                        .option("bpf.Profile", "socket")
                        .build()) {
            Value filter = context.eval(source);
            for (int i = 0; i < 3; i++) {
                assertEquals(1, filter.execute(packet).asInt());
            }
            try (DebuggerSession session = Debugger.find(engine)
                    .startSession(event -> seen.add(new long[] {
                        event.getSourceSection().getStartLine(),
                        event.getTopStackFrame()
                                .getScope()
                                .getDeclaredValue("A")
                                .asLong()
                    }))) {
                session.install(Breakpoint.newBuilder(source.getURI()).lineIs(2).build());
                session.install(Breakpoint.newBuilder(source.getURI()).lineIs(4).build());
                assertEquals(1, filter.execute(packet).asInt());
            }
        }
        assertEquals(2, seen.size());
        assertEquals(
                List.of(2L, 0x800L),
                java.util.Arrays.stream(seen.get(0)).boxed().toList());
        assertEquals(
                List.of(4L, 0x0a000001L),
                java.util.Arrays.stream(seen.get(1)).boxed().toList());
    }
}
