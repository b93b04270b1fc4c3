package dev.sluice.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;

/** {@code sluice check FILE...}: verifies each program as the kernel would load it. */
@Command(name = "check", mixinStandardHelpOptions = true, description = {"Verify programs as the kernel would load them.",
                "Prints 'FILE: ok (N instructions)' or the located errors; exit 1 if any file fails."})
final class CheckCommand implements Callable<Integer> {
    @ParentCommand Main main;
    @Spec CommandSpec spec;
    @Mixin ProgramOptions options;
    @Mixin TrustOptions trust;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Programs: any BPF format (raw, bpf_asm, tcpdump -d/-dd/-ddd) or SCPL (.scpl).")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Profile profile = options.profile(main.polyglot, Profile.SECCOMP);
        Arch arch = options.arch(main.polyglot);
        InputFormat format = options.inputFormat(main.polyglot);
        int status = Main.OK;
        for (Path f : files) {
            try {
                LoadedProgram p = LoadedProgram.load(f, profile, arch, format);
                out.println(f + ": ok (" + p.program().length() + " instructions)");
                if (!p.warnings().isEmpty()) {
                    out.flush();
                    p.printWarnings(err);
                }
            } catch (UserError e) {
                out.flush();
                err.println(e.getMessage());
                status = Math.max(status, e.exitCode());
            }
        }
        return status;
    }
}
