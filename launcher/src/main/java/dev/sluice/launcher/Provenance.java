package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.trust.MeasuredLoadLog;
import dev.sluice.core.trust.Signing;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.ParameterException;

/**
 * Signed programs and the measured-load log on the command line (docs/guards.md), applied by {@link LoadedProgram#load}
 * to the program file exactly as given: the signature is checked over the file's bytes before anything parses them,
 * and the measured digest is {@code sha256sum FILE}. (The launcher hands the bpf language a re-encoded raw program, so
 * the language's own {@code bpf.RequireSignature} could not check the user's file; the launcher checks it instead,
 * for BPF and SCPL alike.)
 *
 * <p>One command runs per process; {@link Main#run} starts each run with no flags in force.
 */
final class Provenance {
    /** The polyglot options that set budgets, measured in a normalized form when any is given. */
    private static final String[] BUDGET_OPTIONS = {
        "bpf.MaxInstructions",
        "bpf.BudgetInstructionsPerSecond",
        "bpf.BudgetInvocationsPerSecond",
        "bpf.BudgetWindowMillis",
        "bpf.OverBudgetAction"
    };

    private static Provenance active;

    private final TrustOptions flags;
    private final MeasuredLoadLog log = new MeasuredLoadLog();
    private List<PublicKey> keys;
    /** Files an SCPL policy being loaded included (path, bytes), measured once the policy has loaded. */
    private final List<Map.Entry<Path, byte[]>> pendingIncludes = new ArrayList<>();

    private Provenance(TrustOptions flags) {
        this.flags = flags;
    }

    /** Called when a trust flag is parsed: that subcommand's flags apply to its loads. */
    static synchronized void use(TrustOptions flags) {
        if (active == null || active.flags != flags) {
            active = new Provenance(flags);
        }
    }

    /** Whether a provenance flag was given (the policy cache is then off: every load is a full, guarded one). */
    static synchronized boolean inForce() {
        return active != null;
    }

    static synchronized void reset() {
        active = null;
    }

    private static synchronized Provenance active() {
        return active;
    }

    /** Refuses {@code bytes} (the content of {@code file}) unless signatures are not required or it is signed by a trusted key. */
    static void beforeParse(Path file, byte[] bytes) {
        Provenance p = active();
        if (p != null) {
            p.checkSignature(file, bytes);
        }
    }

    /** Extends the measured-load log with a program loaded successfully, and prints the entry with --measure. */
    static void loaded(
            Path file,
            byte[] bytes,
            Profile profile,
            Arch arch,
            InputFormat format,
            List<Arch> targetArches,
            boolean scpl) {
        Provenance p = active();
        if (p != null && p.flags.measure) {
            p.measure(file, bytes, profile, arch, format, targetArches, scpl);
        }
    }

    /**
     * The SCPL compile options with includes guarded too: with flags in force, each included file is read once, its
     * signature checked like the policy's ({@code INCLUDED.sig}) before it is parsed, and it is measured (before the
     * policy that includes it), so a signature or a digest of the top file cannot leave an included file unchecked.
     */
    static CompileOptions guardIncludes(CompileOptions options) {
        Provenance p = active();
        if (p == null) {
            return options;
        }
        synchronized (p) {
            p.pendingIncludes.clear();
        }
        return options.resolver((including, path) -> {
            Path base = including == null
                    ? null
                    : Path.of(including).toAbsolutePath().getParent();
            Path file = (base == null ? Path.of(path) : base.resolve(path))
                    .toAbsolutePath()
                    .normalize();
            byte[] bytes = Files.readAllBytes(file);
            p.checkSignature(file, bytes);
            synchronized (p) {
                p.pendingIncludes.add(Map.entry(file, bytes));
            }
            return new IncludeResolver.Included(file.toString(), new String(bytes, StandardCharsets.UTF_8));
        });
    }

    private synchronized void checkSignature(Path file, byte[] bytes) {
        List<PublicKey> trusted = trustedKeys();
        if (!flags.requireSignature) {
            return;
        }
        Path sigFile = file.resolveSibling(file.getFileName() + Signing.SIGNATURE_SUFFIX);
        if (!Files.exists(sigFile)) {
            throw UserError.invalid(
                    file + ": refused: no signature (--require-signature is set; looked for " + sigFile + ")");
        }
        byte[] sig;
        try {
            sig = Signing.decodeSignature(LoadedProgram.readFile(sigFile), sigFile.toString());
        } catch (SluiceException e) {
            throw UserError.invalid(file + ": refused: " + e.getMessage());
        }
        if (!Signing.verifyWithAny(trusted, bytes, sig)) {
            throw UserError.invalid(file + ": refused: " + sigFile + " does not verify with the " + trusted.size()
                    + " trusted key(s) (the program or the signature was changed, or the signer's key is not trusted)");
        }
    }

    /** The trusted keys, read once; bad flag combinations and unreadable keys are usage errors about the command line. */
    private List<PublicKey> trustedKeys() {
        if (keys != null) {
            return keys;
        }
        if (flags.requireSignature && flags.trustedKeys.isEmpty()) {
            throw usage("--require-signature needs at least one --trusted-key KEY.pub");
        }
        if (!flags.requireSignature && !flags.trustedKeys.isEmpty()) {
            throw usage("--trusted-key takes effect only with --require-signature");
        }
        List<PublicKey> read = new ArrayList<>();
        for (Path k : flags.trustedKeys) {
            try {
                read.add(Signing.readPublicKey(LoadedProgram.readFile(k), k.toString()));
            } catch (UserError | SluiceException e) {
                throw usage("--trusted-key " + e.getMessage());
            }
        }
        keys = List.copyOf(read);
        return keys;
    }

    /**
     * A usage error that ends the command (not just the current file of {@code check}), reported by picocli's
     * parameter-exception handler: the message, a '--help' hint, exit code 2.
     */
    private ParameterException usage(String message) {
        return new ParameterException(flags.mixee.commandLine(), message);
    }

    private synchronized void measure(
            Path file,
            byte[] bytes,
            Profile profile,
            Arch arch,
            InputFormat format,
            List<Arch> targetArches,
            boolean scpl) {
        String archs = targetArches.isEmpty()
                ? arch.token()
                : targetArches.stream().map(Arch::token).collect(Collectors.joining("+"));
        String common = ",requireSignature=" + flags.requireSignature + budgets();
        PrintWriter err = flags.mixee.commandLine().getErr();
        if (log.entries().isEmpty()) {
            err.println("# measured-load log: INDEX CHAIN DIGEST PROFILE OPTIONS FILE");
        }
        if (scpl) {
            for (Map.Entry<Path, byte[]> inc : pendingIncludes) {
                err.println(log.extend(
                        inc.getKey().toString(),
                        inc.getValue(),
                        profile.id(),
                        "arch=" + archs + ",inputFormat=scpl-include" + common));
            }
            pendingIncludes.clear();
        }
        err.println(log.extend(
                file.toString(),
                bytes,
                profile.id(),
                "arch=" + archs + ",inputFormat=" + (scpl ? "scpl" : format.id()) + common));
        err.flush();
    }

    /** The budgets given (--max-instructions, --over-budget, or --bpf.* options) in the bpf language's measured form. */
    private String budgets() {
        Map<String, String> given = flags.main().polyglot.all();
        boolean any = false;
        for (String k : BUDGET_OPTIONS) {
            any |= given.containsKey(k);
        }
        if (!any) {
            return "";
        }
        try {
            GuardOptions g = GuardOptions.of(
                    "bpf",
                    Integer.parseInt(given.getOrDefault("bpf.MaxInstructions", "0")),
                    Long.parseLong(given.getOrDefault("bpf.BudgetInstructionsPerSecond", "0")),
                    Long.parseLong(given.getOrDefault("bpf.BudgetInvocationsPerSecond", "0")),
                    Long.parseLong(given.getOrDefault("bpf.BudgetWindowMillis", "1000")),
                    OverBudgetAction.seccompVerdicts("bpf.OverBudgetAction")
                            .convert(given.getOrDefault("bpf.OverBudgetAction", "error")));
            return "," + g.measured();
        } catch (NumberFormatException e) {
            throw usage("a budget option is not a number: " + e.getMessage());
        } catch (SluiceException | IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }
}
