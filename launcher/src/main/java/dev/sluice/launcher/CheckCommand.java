package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.graalvm.polyglot.Context;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code sluice check FILE...}: verifies each program as the kernel would load it. */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Verify programs as the kernel would load them.",
            "Prints 'FILE: ok (N instructions)' or the located errors; exit 1 if any file fails."
        })
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Mixin
    ProgramOptions options;

    @Mixin
    TrustOptions trust;

    @Parameters(
            arity = "1..*",
            paramLabel = "FILE",
            description = "Programs: any BPF format (raw, bpf_asm, tcpdump -d/-dd/-ddd) or SCPL (.scpl).")
    List<Path> files;

    @Override
    public Integer call() {
        return check(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** The command, with its fields set (by picocli, or by {@link Main}'s direct dispatch). */
    int check(PrintWriter out, PrintWriter err) {
        if (options.inetdiag()) {
            return InetDiagCommands.check(files, main.polyglot, out, err);
        }
        if (options.ebpf()) {
            return EbpfCommands.check(
                    files,
                    EbpfCommands.format(options.inputFormat),
                    EbpfCommands.type(options.profile, dev.sluice.ebpf.isa.ProgramType.RAW),
                    main.polyglot,
                    out,
                    err);
        }
        Profile profile = options.profile(main.polyglot, Profile.SECCOMP);
        Arch arch = options.arch(main.polyglot);
        InputFormat format = options.inputFormat(main.polyglot);
        int status = Main.OK;
        PolicyCache cache = PolicyCache.forCommand(main.polyglot);
        // The same load as run's: the launcher's parse and kernel checks, then the bpf language with every language
        // option given (constant-time mode's taint check, signatures, ...), so that 'ok' means run would load it. A
        // file the policy cache holds as loaded by the language under these options needs neither again.
        // With no language option and no provenance flag, the language's load is the stages LoadedProgram.load runs
        // with the language's own classes (the reader, Verifier.verify for the profile; for SCPL, translation
        // validation reads, verifies, lowers and runs the compiled bytes), plus Lowering.lower, run here: a polyglot
        // context would only repeat them, for about 125 ms of a cold start (issue 12's first-run target).
        // CheckWithoutContextTest checks that both ways give the same verdicts and messages.
        boolean throughContext = !main.polyglot.all().isEmpty() || Provenance.inForce();
        Context context = null;
        try {
            for (Path f : files) {
                PolicyCache.Loaded hit = cache == null ? null : cache.lookup(f, profile, arch, format, true);
                if (hit != null) {
                    report(f, hit.program(), out, err);
                    continue;
                }
                if (throughContext && context == null) {
                    context = main.polyglot.newContext(
                            Map.of("bpf.Profile", profile.id(), "bpf.Arch", arch.token(), "bpf.InputFormat", "raw"));
                }
                status = Math.max(status, check(f, profile, arch, format, context, cache, out, err));
            }
        } finally {
            if (context != null) {
                context.close();
            }
        }
        return status;
    }

    private static void report(Path f, LoadedProgram p, PrintWriter out, PrintWriter err) {
        out.println(f + ": ok (" + p.program().length() + " instructions)");
        if (!p.warnings().isEmpty()) {
            out.flush();
            p.printWarnings(err);
        }
    }

    /** @param context the bpf language's context to load into, or null when it would add nothing (no options) */
    private static int check(
            Path f,
            Profile profile,
            Arch arch,
            InputFormat format,
            Context context,
            PolicyCache cache,
            PrintWriter out,
            PrintWriter err) {
        try {
            PolicyCache.Loaded stored = cache == null ? null : cache.loadAndStore(f, profile, arch, format);
            LoadedProgram p = stored == null ? LoadedProgram.load(f, profile, arch, format) : stored.program();
            if (context != null) {
                RunCommand.evalFilter(context, p);
            } else {
                p.lowered(); // the language's last stage
            }
            if (stored != null) {
                cache.languageLoaded(stored.entry());
            }
            report(f, p, out, err);
            return Main.OK;
        } catch (UserError e) {
            out.flush();
            err.println(e.getMessage());
            return e.exitCode();
        }
    }
}
