package dev.sluice.launcher;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Arch;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.parse.ProgramParser;
import dev.sluice.bpf.runtime.SluiceException;
import dev.sluice.bpf.verify.Verifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Entry point of the {@code sluice} command. Exit codes: 0 ok, 1 invalid input or failed check, 2 usage error. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, //
                description = "Check, compile and run classic BPF filters and SCPL policies.", //
                subcommands = {Main.Check.class})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int INVALID = 1;
    public static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> INVALID);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("sluice: " + ex.getMessage());
            err.println("Try 'sluice " + (ex.getCommandLine().getCommandName().equals("sluice") ? "" : ex.getCommandLine().getCommandName() + " ") + "--help'.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            err.println("sluice: internal error: " + ex);
            ex.printStackTrace(err);
            err.println("This is a bug in Sluice; please report it with the command line above.");
            return 70;
        });
        return cl.execute(args);
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"sluice " + dev.sluice.bpf.BpfLanguage.VERSION};
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, description = "Verify programs as the kernel would load them.")
    static final class Check implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "BPF programs (raw sock_filter bytes).")
        List<Path> files;

        @Option(names = "--profile", defaultValue = "seccomp", description = "seccomp or socket (default: ${DEFAULT-VALUE}).")
        String profile;

        @Option(names = "--arch", description = "Syscall ABI (libseccomp name); default: the host.")
        String arch;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Profile p;
            Arch a;
            try {
                p = Profile.fromId(profile);
                a = arch == null ? Arch.host() : Arch.fromToken(arch);
            } catch (IllegalArgumentException e) {
                err.println("sluice check: " + e.getMessage());
                return USAGE;
            }
            int status = OK;
            for (Path f : files) {
                try {
                    byte[] bytes = Files.readAllBytes(f);
                    Program program = ProgramParser.parse(f.toString(), bytes, InputFormat.AUTO, a.byteOrder());
                    Verifier.verify(program, p);
                    out.println(f + ": ok (" + program.length() + " instructions)");
                } catch (NoSuchFileException e) {
                    err.println(f + ": no such file");
                    status = INVALID;
                } catch (IOException e) {
                    err.println(f + ": cannot read: " + e.getMessage());
                    status = INVALID;
                } catch (SluiceException e) {
                    err.println(f + ": " + e.getMessage());
                    status = INVALID;
                }
            }
            return status;
        }
    }
}
