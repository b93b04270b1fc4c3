package dev.sluice.launcher;

import dev.sluice.bpf.BpfLanguage;
import dev.sluice.bpf.coverage.CoverageInstrument;
import dev.sluice.bpf.coverage.InstructionCoverage;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice run PROGRAM}: evaluates a program on inputs without installing anything. The program runs in the
 * polyglot bpf language (compiled by Graal when the compiler is present); many inputs go through the batch entry
 * points ({@code runRecords}, {@code runPcap}) so the cost per input stays a few nanoseconds.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Evaluate a program on inputs without installing it.",
            "Seccomp: one verdict per --syscall or per 64-byte record of --data (ALLOW, ERRNO(13), KILL_PROCESS, ...).",
            "Socket: one return value per packet of --pcap (0 = drop), or with --count the number accepted."
        })
final class RunCommand implements Callable<Integer> {
    /** Inputs are handed to the engine in slices of about this many bytes (progress is shown between slices). */
    static final long CHUNK_BYTES = Long.getLong("sluice.chunkBytes", 16L << 20);

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Mixin
    BudgetOptions budget;

    @Parameters(paramLabel = "PROGRAM", description = "The filter: any BPF format or an SCPL policy (.scpl).")
    Path program;

    @Option(
            names = "--syscall",
            paramLabel = "CALL",
            description =
                    "A syscall, e.g. 'openat(AT_FDCWD, 0x1000, O_RDONLY)' or '257(-100, 0x1000, 0)' (repeatable).")
    List<String> syscalls;

    @Option(
            names = "--data",
            paramLabel = "FILE",
            description = "64-byte struct seccomp_data records, in the byte order of --arch.")
    Path data;

    @Option(names = "--pcap", paramLabel = "FILE", description = "A libpcap capture file (socket filters).")
    Path pcap;

    @Option(
            names = "--socket",
            paramLabel = "SOCKET",
            description =
                    "With --lang inetdiag: a socket, 'LOCAL PEER [dev IFINDEX|NAME] [mark N] [cgroup ID] [autobound]' (repeatable).")
    List<String> sockets;

    @Option(
            names = "--count",
            description = "With --pcap: print only the number of accepted packets (as tcpdump counts them).")
    boolean count;

    @Option(names = "--raw", description = "Print each verdict as 0x%%08x.")
    boolean raw;

    @Option(
            names = "--coverage",
            description =
                    "After the verdicts, print how often each instruction (classic BPF or eBPF) ran and which never did; for an SCPL policy first how often each rule was reached and decided (docs/tools.md).")
    boolean coverage;

    @Option(
            names = "--coverage-format",
            paramLabel = "text|lcov",
            description = "Coverage as a table (text, the default) or an LCOV tracefile (lcov); implies --coverage.")
    CoverageReport.Format coverageFormat;

    @Option(
            names = "--coverage-output",
            paramLabel = "FILE",
            description = "Write the coverage to FILE instead of standard output; implies --coverage.")
    Path coverageOutput;

    @Override
    public Integer call() {
        boolean covering = coverage || coverageFormat != null || coverageOutput != null;
        if (options.inetdiag()) {
            if (covering || syscalls != null || data != null || pcap != null || sockets == null || sockets.isEmpty()) {
                throw UserError.usage(
                        "sluice run --lang inetdiag: give --socket 'LOCAL PEER ...' (repeatable); no other input or --coverage");
            }
            List<SocketSpec> specs = new ArrayList<>();
            for (String s : sockets) {
                specs.add(SocketSpec.parse(s));
            }
            return InetDiagCommands.run(
                    program, specs, main.polyglot, spec.commandLine().getOut());
        }
        if (sockets != null) {
            throw UserError.usage("sluice run: --socket is for --lang inetdiag");
        }
        if (options.ebpf()) {
            if (syscalls != null || data != null && pcap != null) {
                throw UserError.usage(
                        "sluice run --lang ebpf: give --data FILE (the memory of a raw program) or --pcap FILE (xdp, socket_filter)");
            }
            dev.sluice.ebpf.isa.ProgramType type = EbpfCommands.type(
                    options.profile,
                    pcap != null ? dev.sluice.ebpf.isa.ProgramType.XDP : dev.sluice.ebpf.isa.ProgramType.RAW);
            EbpfCommands.Loaded loaded = EbpfCommands.load(program, EbpfCommands.format(options.inputFormat), type);
            return EbpfCommands.run(
                    loaded,
                    type,
                    data,
                    pcap,
                    count,
                    raw,
                    main.polyglot,
                    spec.commandLine().getOut(),
                    covering
                            ? report -> writeCoverage(report, spec.commandLine().getOut())
                            : null);
        }
        int inputs = (syscalls != null ? 1 : 0) + (data != null ? 1 : 0) + (pcap != null ? 1 : 0);
        if (inputs != 1) {
            throw UserError.usage(
                    "sluice run: give exactly one input: --syscall CALL (repeatable), --data FILE or --pcap FILE");
        }
        Profile profile = options.profile(main.polyglot, pcap != null ? Profile.SOCKET : Profile.SECCOMP);
        if (pcap != null && profile != Profile.SOCKET) {
            throw UserError.usage("sluice run: --pcap needs --profile socket");
        }
        if (pcap == null && profile != Profile.SECCOMP) {
            throw UserError.usage("sluice run: --syscall and --data need --profile seccomp");
        }
        if (count && pcap == null) {
            throw UserError.usage("sluice run: --count goes with --pcap");
        }
        Arch arch = options.arch(main.polyglot);
        List<SyscallSpec> calls = new ArrayList<>();
        if (syscalls != null) {
            for (String s : syscalls) {
                calls.add(SyscallSpec.parse(s, arch));
            }
        }
        boolean coveringRules = covering && LoadedProgram.isScpl(program);
        if (coveringRules && Provenance.inForce()) {
            throw UserError.usage(
                    "sluice run --coverage: the rule table loads the policy a second time (with its includes); not with trust flags");
        }
        if (coveringRules && !dev.sluice.scpl.syscalls.SyscallTable.SUPPORTED.contains(arch)) {
            throw UserError.usage(
                    "sluice run --coverage: the rule table runs the policy in SCPL's interpreter, which has no syscall table for --arch "
                            + arch.token());
        }
        // --inspect of a policy debugs its rules: the same calls run through SCPL's interpreter under the inspector,
        // after the compiled filter (which runs without it) has given the verdicts.
        boolean inspectingRules = main.polyglot.inspecting() && LoadedProgram.isScpl(program);
        if (inspectingRules && Provenance.inForce()) {
            throw UserError.usage(
                    "sluice run --inspect: a policy's rules are debugged on a second load of the policy (with its includes); not with trust flags");
        }
        if (inspectingRules && !dev.sluice.scpl.syscalls.SyscallTable.SUPPORTED.contains(arch)) {
            throw UserError.usage(
                    "sluice run --inspect: a policy's rules are debugged in SCPL's interpreter, which has no syscall table for --arch "
                            + arch.token());
        }
        LoadedProgram loaded = LoadedProgram.load(program, profile, arch, options.inputFormat(main.polyglot));
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> languageOptions = coveringRules
                ? Map.of(
                        "bpf.Profile",
                        profile.id(),
                        "bpf.Arch",
                        arch.token(),
                        "bpf.InputFormat",
                        "raw",
                        "scpl.Arch",
                        arch.token())
                : Map.of("bpf.Profile", profile.id(), "bpf.Arch", arch.token(), "bpf.InputFormat", "raw");
        try (Context context = main.polyglot.newContext(languageOptions, coveringRules, !inspectingRules);
                Context inspected =
                        inspectingRules ? main.polyglot.newScplContext(Map.of("scpl.Arch", arch.token())) : null) {
            InstructionCoverage instructionCoverage = null;
            if (covering) {
                instructionCoverage = context.getEngine()
                        .getInstruments()
                        .get(CoverageInstrument.ID)
                        .lookup(InstructionCoverage.class);
                instructionCoverage.start();
            }
            PolicyRuleCoverage rules = coveringRules ? PolicyRuleCoverage.start(context, loaded) : null;
            PolicyInterpreter debugged = inspectingRules ? PolicyInterpreter.load(inspected, loaded) : null;
            RecordsCheck checks = (records, verdicts, n) -> {
                if (rules != null) {
                    rules.run(records, verdicts, n);
                }
                if (debugged != null) {
                    out.flush(); // the verdicts are out before the debugger stops at a rule
                    debugged.run(records, verdicts, n);
                }
            };
            Value filter = evalFilter(context, loaded);
            int status = Main.OK;
            if (!calls.isEmpty()) {
                byte[] records = new byte[calls.size() * SeccompData.SIZE];
                for (int i = 0; i < calls.size(); i++) {
                    System.arraycopy(
                            calls.get(i).seccompData(arch), 0, records, i * SeccompData.SIZE, SeccompData.SIZE);
                }
                int[] verdicts = new int[calls.size()];
                filter.invokeMember("runRecords", records, SeccompData.SIZE, verdicts);
                print(out, verdicts, verdicts.length, profile);
                checks.run(records, verdicts, verdicts.length);
            } else if (data != null) {
                runData(filter, out, checks);
            } else {
                status = runPcap(filter, out);
            }
            if (instructionCoverage != null) {
                writeCoverage(CoverageReport.of(loaded, instructionCoverage.results(), rules), out);
            }
            return status;
        }
    }

    private void writeCoverage(CoverageReport report, PrintWriter out) {
        String text = report.render(coverageFormat == null ? CoverageReport.Format.text : coverageFormat);
        if (coverageOutput == null) {
            out.print(text);
            out.flush();
            return;
        }
        try {
            java.nio.file.Files.writeString(coverageOutput, text);
        } catch (java.io.IOException e) {
            throw UserError.invalid(
                    CliFailure.CLI_CANNOT_WRITE,
                    coverageOutput,
                    e instanceof java.nio.file.NoSuchFileException ? "no such directory" : e.getMessage());
        }
    }

    /**
     * Loads the program into the bpf language, as an embedder would: the context's language options apply (e.g.
     * {@code --bpf.ConstantTime} and {@code --bpf.SecretFields}). {@code check}, {@code run} and {@code explain} all
     * load through here. A refusal ("insn N: ...") is reported at the instruction's source position, as the
     * launcher's own verifier errors are.
     */
    static Value evalFilter(Context context, LoadedProgram loaded) {
        Source source = Source.newBuilder(BpfLanguage.ID, ByteSequence.create(loaded.rawBytes()), loaded.name())
                .mimeType(loaded.mimeType())
                .buildLiteral();
        try {
            return context.eval(source);
        } catch (PolyglotException e) {
            Matcher insn = INSN_PREFIX.matcher(e.getMessage() == null ? "" : e.getMessage());
            if (!e.isSyntaxError() || !insn.lookingAt()) {
                throw e;
            }
            SluiceException refusal =
                    SluiceException.atInsn(Integer.parseInt(insn.group(1)), Failure.SYNTAX, e.getMessage());
            throw UserError.invalid(Diagnostics.render(refusal, loaded.name(), loaded.sourceText(), loaded.program()));
        }
    }

    /** How every refusal of the bpf language about one instruction begins (the Failure messages of the verifiers). */
    private static final Pattern INSN_PREFIX = Pattern.compile("insn (\\d+): ");

    /** What else sees the records after the filter: a policy's interpreter for --coverage and --inspect. */
    @FunctionalInterface
    private interface RecordsCheck {
        void run(byte[] records, int[] verdicts, int n);
    }

    /**
     * Reads the records a slice at a time, so a data file of any size runs in the memory of one slice.
     *
     * @param checks runs each slice of records through a policy's rules too (for --coverage and --inspect)
     */
    private void runData(Value filter, PrintWriter out, RecordsCheck checks) {
        try (InputFile in = InputFile.open(data)) {
            if (in.size() % SeccompData.SIZE != 0) {
                throw UserError.invalid(CliFailure.CLI_SECCOMP_DATA_LENGTH, data, in.size());
            }
            long n = in.size() / SeccompData.SIZE;
            int perChunk =
                    (int) Math.max(1, Math.min(Integer.MAX_VALUE / SeccompData.SIZE, CHUNK_BYTES / SeccompData.SIZE));
            Progress progress = Progress.start("sluice run: " + data, in.size());
            try {
                for (long first = 0; first < n; first += perChunk) {
                    int m = (int) Math.min(perChunk, n - first);
                    byte[] slice = new byte[m * SeccompData.SIZE];
                    int got = in.read(slice, 0, slice.length);
                    if (got < slice.length) { // the file shrank while it was read
                        throw UserError.invalid(
                                CliFailure.CLI_SECCOMP_DATA_LENGTH, data, first * SeccompData.SIZE + got);
                    }
                    int[] v = new int[m];
                    filter.invokeMember("runRecords", slice, SeccompData.SIZE, v);
                    print(out, v, m, Profile.SECCOMP);
                    checks.run(slice, v, m);
                    if (progress != null) {
                        progress.update((first + m) * SeccompData.SIZE);
                    }
                }
            } finally {
                if (progress != null) {
                    progress.close();
                }
            }
        }
    }

    /**
     * Runs the capture in slices of whole records, read as it goes ({@link CaptureReader}). A file cut short inside a
     * record is handled as tcpdump does: the packets before the cut are processed and printed, then the truncation is
     * reported and the exit code is 1.
     */
    private int runPcap(Value filter, PrintWriter out) {
        long accepted = 0;
        String cut;
        try (CaptureReader capture = CaptureReader.open(pcap, CHUNK_BYTES)) {
            Progress progress = Progress.start("sluice run: " + pcap, capture.size());
            try {
                while (capture.nextSlice(CHUNK_BYTES)) {
                    accepted += runSlice(filter, out, capture.slice(), capture.slicePackets());
                    if (progress != null) {
                        progress.update(capture.position());
                    }
                }
            } finally {
                if (progress != null) {
                    progress.close();
                }
            }
            cut = capture.cut();
        }
        if (count) {
            out.println(accepted);
        }
        if (cut != null) {
            out.flush();
            spec.commandLine().getErr().println(cut);
            return Main.INVALID;
        }
        return Main.OK;
    }

    /** Runs one slice of the capture (its global header and {@code packets} records); returns how many it accepted. */
    private long runSlice(Value filter, PrintWriter out, byte[] bytes, int packets) {
        if (count) {
            return filter.invokeMember("runPcap", bytes).asLong();
        }
        int[] verdicts = new int[packets];
        long accepted = filter.invokeMember("runPcap", bytes, verdicts).asLong();
        print(out, verdicts, verdicts.length, Profile.SOCKET);
        return accepted;
    }

    /** Verdict texts seen so far: a run has few distinct verdicts, and formatting each record would dominate. */
    private final java.util.HashMap<Integer, String> formatted = new java.util.HashMap<>();

    private void print(PrintWriter out, int[] verdicts, int n, Profile profile) {
        StringBuilder sb = new StringBuilder(n * 12);
        for (int i = 0; i < n; i++) {
            int v = verdicts[i];
            String text = formatted.get(v);
            if (text == null) {
                text = format(v, profile, raw);
                if (formatted.size() < 4096) {
                    formatted.put(v, text);
                }
            }
            sb.append(text).append('\n');
        }
        out.print(sb);
    }

    static String format(int verdict, Profile profile, boolean raw) {
        if (raw) {
            return String.format("0x%08x", verdict);
        }
        return profile == Profile.SECCOMP ? SeccompAction.format(verdict) : Integer.toUnsignedString(verdict);
    }
}
