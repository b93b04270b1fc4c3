package dev.sluice.launcher;

import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
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
@Command(
        name = "sluice",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class, //
        description = "Check, compile, run, explain and enforce classic BPF filters and SCPL policies.", //
        footerHeading = "%n",
        footer = {
            "Engine and language options pass through, as in GraalVM launchers:",
            "  --engine.TraceCompilation=true --engine.CompileImmediately --bpf.Arch=s390x",
            "Exit codes: 0 ok, 1 invalid input or failed check, 2 usage error,",
            "  70 internal error; exec: the command's status (127 not found).",
            "Shell completion: source <(sluice completion)"
        })
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int INVALID = 1;
    public static final int USAGE = 2;
    public static final int INTERNAL = 70;

    /**
     * The subcommand classes, in a class of their own so that the direct dispatch of check and exec does not load
     * picocli's help command (picocli's class files cannot be in the AOT cache).
     */
    static final class Subcommands {
        /** Every subcommand, in the order {@code sluice --help} lists them. */
        static final List<Class<?>> ALL = List.of(
                CheckCommand.class,
                RunCommand.class,
                ExplainCommand.class,
                ExecCommand.class,
                LearnCommand.class,
                LearnExecCommand.class,
                CompileCommand.class,
                ImportOciCommand.class,
                AsmCommand.class,
                DisasmCommand.class,
                ConformancePluginCommand.class,
                SsCommand.class,
                KeygenCommand.class,
                SignCommand.class,
                CompletionCommand.class,
                AotTrainingCommand.class,
                CommandLine.HelpCommand.class);
        /** Subcommands that read the whole command tree. */
        static final Set<Class<?>> NEED_ALL = Set.of(CompletionCommand.class, CommandLine.HelpCommand.class);

        private Subcommands() {}
    }

    final PolyglotOptions polyglot;

    @Spec
    CommandSpec spec;

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
        Integer direct = runDirect(new Main(polyglot), rest, out, err);
        if (direct != null) {
            return direct;
        }
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
        cl.setExecutionExceptionHandler(
                (ex, c, p) -> failed(ex, c.getCommandSpec().qualifiedName(), out, err));
        return cl.execute(rest);
    }

    /** What a command that threw {@code ex} prints, and its exit code: one line for user errors, a report for bugs. */
    private static int failed(Exception ex, String command, PrintWriter out, PrintWriter err) {
        if (ex instanceof UserError u) {
            out.flush();
            String message = u.getMessage();
            if (u.exitCode() == USAGE && !message.startsWith("sluice")) {
                message = command + ": " + message;
            }
            err.println(message);
            return u.exitCode();
        }
        if (ex instanceof PolyglotException pe && pe.isGuestException() && !pe.isInternalError()) {
            out.flush();
            err.println(command + ": " + pe.getMessage());
            return isLanguageOptionError(pe) ? USAGE : INVALID;
        }
        out.flush();
        err.println("sluice: internal error: " + ex);
        ex.printStackTrace(err);
        err.println("This is a bug in Sluice. Please report it with the command line and the input files.");
        return INTERNAL;
    }

    /**
     * The two commands that wrap other work and so run most often, {@code check FILE...} and {@code exec POLICY --
     * CMD ARGS...}, in their plain form (no option before the command, no word that picocli would read specially:
     * starting with '-' or '@', or empty), are run without picocli: building its model by reflection, with its
     * class files too old (version 49) for the AOT cache, was most of what such a command spent after the policy
     * cache. Every other command line, and every error in one, goes through picocli as before. Returns null when the
     * command line is not of that form.
     */
    static Integer runDirect(Main main, String[] args, PrintWriter out, PrintWriter err) {
        if (args.length < 2 || !plain(args[1])) {
            return null;
        }
        try {
            if (args[0].equals("check")) {
                List<Path> files = new ArrayList<>();
                for (int i = 1; i < args.length; i++) {
                    if (!plain(args[i])) {
                        return null;
                    }
                    files.add(Path.of(args[i]));
                }
                CheckCommand check = new CheckCommand();
                check.main = main;
                check.options = new ProgramOptions();
                check.files = files;
                return runDirect("sluice check", () -> check.check(out, err), out, err);
            }
            if (args[0].equals("exec") && args.length >= 4 && args[2].equals("--")) {
                for (int i = 3; i < args.length; i++) {
                    if (args[i].isEmpty() || args[i].startsWith("@")) {
                        return null;
                    }
                }
                ExecCommand exec = new ExecCommand();
                exec.main = main;
                exec.options = new ProgramOptions();
                exec.policy = Path.of(args[1]);
                exec.command = List.of(args).subList(3, args.length);
                return runDirect("sluice exec", () -> exec.exec(out, err), out, err);
            }
        } catch (InvalidPathException e) {
            return null; // picocli reports it
        }
        return null;
    }

    private static int runDirect(String command, Callable<Integer> body, PrintWriter out, PrintWriter err) {
        try {
            return body.call();
        } catch (Exception e) {
            return failed(e, command, out, err);
        }
    }

    private static boolean plain(String arg) {
        return !arg.isEmpty() && !arg.startsWith("-") && !arg.startsWith("@");
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

    private static final java.util.regex.Pattern LANGUAGE_OPTION_PREFIX =
            java.util.regex.Pattern.compile("(bpf|scpl|ebpf|inetdiag)\\.[A-Z]\\w*: ");

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
        for (Class<?> c : Subcommands.ALL) {
            if (!Subcommands.NEED_ALL.contains(c)
                    && c.getAnnotation(Command.class).name().equals(named)) {
                only = c;
            }
        }
        CommandLine cl = new CommandLine(main);
        for (Class<?> c : Subcommands.ALL) {
            if (only == null || c == only) {
                cl.addSubcommand(c);
            }
        }
        FormatNames.label(cl);
        return cl;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Says which engine runs filters: "Graal compiler active" only when Truffle's optimizing runtime is in use. */
    static final class Version implements CommandLine.IVersionProvider {
        @Spec
        CommandSpec spec;

        @Override
        public String[] getVersion() {
            Main main = (Main) spec.root().userObject();
            String implementation;
            try (Engine engine = main.polyglot.newEngine()) {
                implementation = engine.getImplementationName();
            }
            boolean compiled = !implementation.equals("Interpreted");
            return new String[] {
                "sluice " + dev.sluice.bpf.BpfLanguage.VERSION + " (classic BPF language "
                        + dev.sluice.bpf.BpfLanguage.VERSION + ")",
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor", "?") + "), "
                        + System.getProperty("os.arch") + " " + System.getProperty("os.name"),
                "Truffle runtime: " + implementation + "; Graal compiler "
                        + (compiled ? "active" : "NOT active (filters run in the fallback interpreter)")
            };
        }
    }
}
