package dev.sluice.launcher;

import static dev.sluice.bpf.isa.Opcodes.JA;
import static dev.sluice.bpf.isa.Opcodes.JMP;
import static dev.sluice.bpf.isa.Opcodes.RET;
import static dev.sluice.bpf.isa.Opcodes.cls;
import static dev.sluice.bpf.isa.Opcodes.op;

import dev.sluice.bpf.formats.ListingFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.trace.StepTrace;
import dev.sluice.bpf.trace.StepTraceInstrument;
import dev.sluice.bpf.trace.Tracer;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.scpl.policy.Decision;
import dev.sluice.scpl.policy.Rule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice explain PROGRAM --syscall CALL}: shows why a filter gives its verdict. For BPF, the path of
 * instruction indices with A and X after each step: the engine runs the filter with the step trace instrument
 * ({@link StepTraceInstrument}) attached, which records each instruction entered and its registers, and
 * {@link Tracer} turns that into the path.
 */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {
            "Show why a filter gives its verdict for a syscall (or, with --lang inetdiag, selects a socket; with --lang ebpf, returns r0 for an input).",
            "BPF: the instructions taken, with A and X after each. SCPL: the rule (file:line) that decided. INET-DIAG: the ops run and the branch each took.",
            "eBPF: the instructions taken, with the registers each one changed."
        })
final class ExplainCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Parameters(paramLabel = "PROGRAM", description = "A seccomp filter (any BPF format) or an SCPL policy (.scpl).")
    Path program;

    @Option(
            names = "--syscall",
            paramLabel = "CALL",
            description =
                    "A syscall, e.g. 'openat(AT_FDCWD, 0x1000, O_RDONLY)' or '257(-100, 0x1000, 0)' (repeatable).")
    List<String> syscalls;

    @Option(names = "--data", paramLabel = "FILE", description = "With --lang ebpf: the memory of a raw program.")
    Path data;

    @Option(
            names = "--pcap",
            paramLabel = "FILE",
            description =
                    "With --lang ebpf: a capture whose packets an xdp or socket_filter program runs on, each explained.")
    Path pcap;

    @Option(
            names = "--socket",
            paramLabel = "SOCKET",
            description =
                    "With --lang inetdiag: a socket, 'LOCAL PEER [dev IFINDEX|NAME] [mark N] [cgroup ID] [autobound]', e.g. '127.0.0.1:22 127.0.0.1:51234' (repeatable).")
    List<String> sockets;

    @Override
    public Integer call() {
        if (options.ebpf()) {
            if (syscalls != null || sockets != null) {
                throw UserError.usage(
                        "sluice explain --lang ebpf: give --data FILE (raw) or --pcap FILE (xdp, socket_filter), not --syscall or --socket");
            }
            dev.sluice.ebpf.isa.ProgramType type = EbpfCommands.type(
                    options.profile,
                    pcap != null ? dev.sluice.ebpf.isa.ProgramType.XDP : dev.sluice.ebpf.isa.ProgramType.RAW);
            EbpfCommands.Loaded loaded = EbpfCommands.load(program, EbpfCommands.format(options.inputFormat), type);
            return EbpfCommands.explain(
                    loaded, type, data, pcap, main.polyglot, spec.commandLine().getOut());
        }
        if (data != null || pcap != null) {
            throw UserError.usage("sluice explain: --data and --pcap are for --lang ebpf");
        }
        if (options.inetdiag()) {
            if (sockets == null || sockets.isEmpty() || syscalls != null) {
                throw UserError.usage("sluice explain --lang inetdiag: give --socket 'LOCAL PEER ...' (not --syscall)");
            }
            List<SocketSpec> specs = new ArrayList<>();
            for (String s : sockets) {
                specs.add(SocketSpec.parse(s));
            }
            return InetDiagCommands.explain(
                    program, specs, main.polyglot, spec.commandLine().getOut());
        }
        if (syscalls == null || syscalls.isEmpty() || sockets != null) {
            throw UserError.usage("sluice explain: give --syscall CALL (--socket is for --lang inetdiag)");
        }
        Profile profile = options.profile(main.polyglot, Profile.SECCOMP);
        if (profile != Profile.SECCOMP) {
            throw UserError.usage(
                    "sluice explain: explains seccomp filters (--syscall); socket filters are not supported");
        }
        Arch arch = options.arch(main.polyglot);
        List<SyscallSpec> calls = new ArrayList<>();
        for (String s : syscalls) {
            calls.add(SyscallSpec.parse(s, arch));
        }
        LoadedProgram loaded = LoadedProgram.load(program, profile, arch, options.inputFormat(main.polyglot));
        LoweredProgram lowered = loaded.lowered();
        PrintWriter out = spec.commandLine().getOut();
        try (Context context = main.polyglot.newContext(
                Map.of("bpf.Profile", profile.id(), "bpf.Arch", arch.token(), "bpf.InputFormat", "raw"))) {
            StepTrace steps = context.getEngine()
                    .getInstruments()
                    .get(StepTraceInstrument.ID)
                    .lookup(StepTrace.class);
            if (loaded.policy() == null) {
                steps.start(); // before the filter loads: its statement nodes then exist from its first run (SCPL
                // explains by rule, not path)
            }
            Value filter = RunCommand.evalFilter(context, loaded);
            for (int i = 0; i < calls.size(); i++) {
                SyscallSpec call = calls.get(i);
                byte[] record = call.seccompData(arch);
                steps.begin();
                int engine = (int) filter.execute((Object) record).asLong();
                List<StepTrace.Entry> entered = steps.end();
                if (loaded.policy() == null && entered.isEmpty()) {
                    throw UserError.usage(
                            "sluice explain: a constant-time filter (--bpf.ConstantTime) runs every instruction for every input; it has no path to explain");
                }
                if (i > 0) {
                    out.println();
                }
                out.println(call.text() + " on " + arch + " (nr " + call.nr() + "): " + SeccompAction.format(engine));
                if (loaded.policy() != null) {
                    printRule(out, loaded, record, engine);
                } else {
                    printPath(out, loaded, Tracer.of(lowered, entered, engine));
                }
            }
        }
        return Main.OK;
    }

    /**
     * For SCPL: the rule that decided, by the policy's own meaning, with its source line. The compiled filter's verdict
     * (above) must be the policy's: translation validation checks this when compiling, and this is a second check.
     */
    private static void printRule(PrintWriter out, LoadedProgram loaded, byte[] record, int filterVerdict) {
        Decision d = loaded.policy().decide(loaded.arch(), record);
        if (d.verdict() != filterVerdict) {
            throw new IllegalStateException(String.format(
                    "the policy (0x%08x, %s) and its compiled filter (0x%08x) disagree",
                    d.verdict(), d.reason(), filterVerdict));
        }
        Rule rule = d.rule();
        if (rule == null) {
            out.println("  " + d.reason());
            return;
        }
        out.println("  decided by the rule at " + rule.where());
        String text = rule.file().equals(loaded.name()) ? loaded.sourceText() : null;
        if (text != null) {
            String[] lines = text.split("\r?\n", -1);
            if (rule.line() >= 1 && rule.line() <= lines.length) {
                out.println("    " + lines[rule.line() - 1].strip());
            }
        }
    }

    /** Each instruction as tcpdump -d spells it (one line per instruction), without the "(NNN)" index. */
    static String[] instructionTexts(Program p) {
        String[] lines = ListingFormat.print(p).split("\n");
        String[] text = new String[p.length()];
        for (int i = 0; i < text.length; i++) {
            String l = i < lines.length ? lines[i] : "";
            int close = l.indexOf(") ");
            String body = (l.startsWith("(") && close > 0 ? l.substring(close + 2) : l)
                    .replace('\t', ' ')
                    .replaceAll(" +", " ")
                    .trim();
            text[i] = body.isEmpty() ? p.get(i).toString() : body;
        }
        return text;
    }

    private static void printPath(PrintWriter out, LoadedProgram loaded, Tracer.Trace trace) {
        Program p = loaded.program();
        List<Tracer.Step> steps = trace.steps();
        int width = Integer.toString(p.length() - 1).length();
        String[] text = instructionTexts(p);
        for (int s = 0; s < steps.size(); s++) {
            Tracer.Step step = steps.get(s);
            Insn in = p.get(step.pc());
            StringBuilder line = new StringBuilder();
            line.append(String.format("  %" + width + "d: %-26s", step.pc(), text[step.pc()]));
            if (p.hasPositions()) {
                line.append(String.format(" %s:%d", loaded.name(), p.line(step.pc())));
            }
            boolean last = s == steps.size() - 1;
            if (last) {
                if (cls(in.code()) == RET) {
                    line.append("  return ").append(SeccompAction.format(trace.result()));
                } else {
                    line.append("  ends the program: return ").append(SeccompAction.format(trace.result()));
                }
            } else {
                line.append(String.format("  A=0x%08x X=0x%08x", step.a(), step.x()));
                if (cls(in.code()) == JMP) {
                    int next = steps.get(s + 1).pc();
                    if (op(in.code()) == JA || in.jt() == in.jf()) {
                        line.append("  -> ").append(next);
                    } else {
                        line.append(next == step.pc() + 1 + in.jt() ? "  true -> " : "  false -> ")
                                .append(next);
                    }
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
