package dev.sluice.launcher;

import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Entry point of the {@code sluice} command: one class per subcommand. Exit codes: 0 ok, 1 the input is invalid or
 * the check failed, 2 usage error, 70 internal error (a bug: printed with a request to report it); {@code exec}
 * ends with the command's own status.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, //
                description = "Check, compile, run, explain and enforce classic BPF filters and SCPL policies.", //
                footerHeading = "%n", footer = {"Engine and language options pass through, as in GraalVM launchers:",
                                "  --engine.TraceCompilation=true --engine.CompileImmediately --bpf.Arch=s390x",
                                "Exit codes: 0 ok, 1 invalid input or failed check, 2 usage error,",
                                "  70 internal error; exec: the command's status (127 not found).",
                                "Shell completion: source <(sluice completion)"})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int INVALID = 1;
    public static final int USAGE = 2;
    public static final int INTERNAL = 70;

    /** Every subcommand, in the order {@code sluice --help} lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(CheckCommand.class, RunCommand.class, ExplainCommand.class, ExecCommand.class, LearnCommand.class,
                    LearnExecCommand.class, CompileCommand.class, ImportOciCommand.class, AsmCommand.class, DisasmCommand.class, ConformancePluginCommand.class,
                    SsCommand.class, KeygenCommand.class, SignCommand.class, CompletionCommand.class, AotTrainingCommand.class, CommandLine.HelpCommand.class);
    /** Subcommands that read the whole command tree. */
    private static final Set<Class<?>> NEED_ALL = Set.of(CompletionCommand.class, CommandLine.HelpCommand.class);

    final PolyglotOptions polyglot;

    @Spec CommandSpec spec;

    Main(PolyglotOptions polyglot) {
        this.polyglot = polyglot;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, false);
        PrintWriter err = new PrintWriter(System.err, true);
        int status = run(args, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Provenance.reset();
        PolyglotOptions polyglot = new PolyglotOptions();
        String[] rest = polyglot.extract(args);
        CommandLine cl = commandLine(new Main(polyglot), rest);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine sub = ex.getCommandLine();
            String name = sub.getCommandSpec().qualifiedName();
            err.println(name + ": " + ex.getMessage());
            err.println("Try '" + name + " --help'.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            if (ex instanceof UserError u) {
                out.flush();
                String message = u.getMessage();
                if (u.exitCode() == USAGE && !message.startsWith("sluice")) {
                    message = c.getCommandSpec().qualifiedName() + ": " + message;
                }
                err.println(message);
                return u.exitCode();
            }
            if (ex instanceof PolyglotException pe && pe.isGuestException() && !pe.isInternalError()) {
                out.flush();
                err.println(c.getCommandSpec().qualifiedName() + ": " + pe.getMessage());
                return isLanguageOptionError(pe) ? USAGE : INVALID;
            }
            out.flush();
            err.println("sluice: internal error: " + ex);
            ex.printStackTrace(err);
            err.println("This is a bug in Sluice. Please report it with the command line and the input files.");
            return INTERNAL;
        });
        return cl.execute(rest);
    }

    /**
     * A language refuses a bad option value (e.g. {@code --bpf.SecretFields=64-70}) when the context is created or the
     * program loads; every such message begins with the option's name, as the languages' BAD_OPTION failures do. It is
     * a usage error like a bad flag (exit 2), not a bad program.
     */
    static boolean isLanguageOptionError(PolyglotException e) {
        String message = e.getMessage();
        return message != null && LANGUAGE_OPTION_PREFIX.matcher(message).lookingAt();
    }

    private static final java.util.regex.Pattern LANGUAGE_OPTION_PREFIX = java.util.regex.Pattern.compile("(bpf|scpl|ebpf|inetdiag)\\.[A-Z]\\w*: ");

    /**
     * picocli builds its model by reflection over every registered command, and that was most of a short command's
     * start-up (about two thirds of the Java samples of {@code sluice check}). So only the subcommand named on the
     * command line is registered, unless it is help or completion (they read them all) or none is named (the usage
     * lists them all).
     */
    static CommandLine commandLine(Main main, String[] args) {
        String named = null;
        for (String a : args) {
            if (!a.startsWith("-")) {
                named = a;
                break;
            }
        }
        Class<?> only = null;
        for (Class<?> c : SUBCOMMANDS) {
            if (!NEED_ALL.contains(c) && c.getAnnotation(Command.class).name().equals(named)) {
                only = c;
            }
        }
        CommandLine cl = new CommandLine(main);
        for (Class<?> c : SUBCOMMANDS) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Says which engine runs filters: "Graal compiler active" only when Truffle's optimizing runtime is in use. */
    static final class Version implements CommandLine.IVersionProvider {
        @Spec CommandSpec spec;

        @Override
        public String[] getVersion() {
            Main main = (Main) spec.root().userObject();
            String implementation;
            try (Engine engine = main.polyglot.newEngine()) {
                implementation = engine.getImplementationName();
            }
            boolean compiled = !implementation.equals("Interpreted");
            return new String[]{"sluice " + dev.sluice.bpf.BpfLanguage.VERSION + " (classic BPF language " + dev.sluice.bpf.BpfLanguage.VERSION + ")",
                            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + "), " + System.getProperty("os.arch") + " "
                                            + System.getProperty("os.name"),
                            "Truffle runtime: " + implementation + "; Graal compiler " + (compiled ? "active" : "NOT active (filters run in the fallback interpreter)")};
        }
    }
}
