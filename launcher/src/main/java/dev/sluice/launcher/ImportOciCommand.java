package dev.sluice.launcher;

import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.oci.OciImporter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sluice import-oci profile.json}: a Docker/OCI seccomp profile as readable SCPL, with the meaning Docker,
 * runc and libseccomp give it (docs/oci-import.md). Capability-gated entries are applied for the given capabilities.
 */
@Command(
        name = "import-oci",
        mixinStandardHelpOptions = true,
        description = {
            "Turn a Docker/OCI seccomp profile (JSON) into an SCPL policy.",
            "includes/excludes by capability are applied for the --cap set; by arch, for --native-arch; minKernel, for --kernel."
        })
final class ImportOciCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(
            paramLabel = "PROFILE.json",
            description = "The OCI seccomp profile (linux.seccomp of a runtime spec, or Docker's profile file).")
    Path profile;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "OUT.scpl",
            description = "Output file (default: stdout).")
    Path output;

    @Option(
            names = "--cap",
            paramLabel = "CAP",
            description = "A capability the container has (CAP_SYS_ADMIN or sys_admin); repeatable.")
    List<String> caps;

    @Option(
            names = "--native-arch",
            paramLabel = "ARCH",
            defaultValue = "x86_64",
            description = "The host ABI Docker would run on (default: ${DEFAULT-VALUE}).")
    String nativeArch;

    @Option(
            names = "--arch",
            paramLabel = "ARCH",
            description = "Target ABIs of the policy, repeatable; overrides the profile's architectures.")
    List<String> arches;

    @Option(
            names = "--kernel",
            paramLabel = "X.Y",
            description =
                    "The kernel version includes/excludes.minKernel are evaluated for (default: the running kernel, as Docker does).")
    String kernel;

    @Override
    public Integer call() {
        OciImporter.KernelVersion kernelVersion = OciImporter.KernelVersion.running();
        if (kernel != null) {
            kernelVersion = OciImporter.KernelVersion.parseRelease(kernel)
                    .orElseThrow(() -> UserError.usage("--kernel " + kernel
                            + ": expected a kernel version such as 6.8 (or a release such as 6.8.0-45-generic)"));
        }
        Arch host;
        List<Arch> targets = new ArrayList<>();
        try {
            host = Arch.fromToken(nativeArch);
            for (String a : arches == null ? List.<String>of() : arches) {
                targets.add(Arch.fromToken(a));
            }
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        String text = new String(LoadedProgram.readFile(profile), StandardCharsets.UTF_8);
        Set<String> capabilities = new LinkedHashSet<>(caps == null ? List.of() : caps);
        String scpl;
        try {
            scpl = OciImporter.toScpl(
                    text,
                    profile.toString(),
                    capabilities,
                    new OciImporter.ImportOptions(host, targets, kernelVersion));
        } catch (SluiceException e) {
            throw UserError.invalid(Diagnostics.render(e, profile.toString(), text, null));
        }
        AsmCommand.writeOutput(scpl.getBytes(StandardCharsets.UTF_8), OutputFormat.ASM, output, spec);
        return Main.OK;
    }
}
