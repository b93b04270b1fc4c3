package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice aot-training EXAMPLES_DIR} (hidden): the workload the build records into the JDK's AOT cache
 * ({@code -XX:AOTCacheOutput}), so that the short commands start with their classes already loaded and linked. It
 * runs, in this one JVM, the commands that need no compiled code on the bundled examples, plus the FFM set-up of
 * {@code exec} without installing anything (exec itself cannot be recorded: it never returns to exit the JVM).
 * With {@code --compile} (the tarball's second cache, for runs with the Graal compiler) it also has the compiler
 * compile a socket filter's batch and a seccomp policy, so the compiler's own classes are in that cache too.
 */
@Command(
        name = "aot-training",
        hidden = true,
        description = "Record the start-up workload for the AOT cache (used by the build).")
final class AotTrainingCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "EXAMPLES_DIR")
    Path examples;

    @Option(names = "--compile", description = "Also compile programs with the Graal compiler (the JIT mode's cache).")
    boolean compile;

    @Override
    public Integer call() throws Exception {
        String scpl = examples.resolve("deny-mkdir.scpl").toString();
        String asm = examples.resolve("deny-mkdir.asm").toString();
        String bpf = examples.resolve("deny-mkdir.bpf").toString();
        String oci = examples.resolve("oci-profile.json").toString();
        List<List<String>> commands = List.of(
                List.of("check", scpl, asm, bpf),
                List.of("compile", scpl, "--output-format", "asm", "-o", "/dev/null"),
                List.of("compile", scpl, "--output-format", "raw", "-o", "/dev/null"),
                List.of("disasm", bpf),
                List.of("asm", asm, "-o", "/dev/null"),
                List.of("explain", scpl, "--syscall", "mkdir(0x1000, 0755)"),
                List.of("explain", asm, "--syscall", "mkdirat(AT_FDCWD, 0x1000, 0755)"),
                List.of("run", scpl, "--syscall", "openat(AT_FDCWD, 0x1000, O_RDONLY)", "--syscall", "getpid"),
                List.of("import-oci", oci, "-o", "/dev/null"),
                List.of("check", examples.resolve("no-such-file.scpl").toString()));
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        int failures = 0;
        // The policy cache's paths too (a miss that writes the entry, then hits), in a directory of the training's
        // own rather than the builder's cache.
        Path cacheDir = Files.createTempDirectory("sluice-aot-training");
        PolicyCache.directoryOverride = cacheDir.resolve("policies");
        commands = new java.util.ArrayList<>(commands);
        commands.add(List.of("check", scpl, asm));
        commands.add(List.of("check", scpl, asm));
        if (compile) {
            // Compiled on their first call, before the command returns: the compiler's classes are loaded and its
            // methods profiled in this JVM.
            List<String> eager = List.of("--engine.CompileImmediately=true", "--engine.BackgroundCompilation=false");
            List<String> socket = new java.util.ArrayList<>(List.of(
                    "run",
                    "--profile",
                    "socket",
                    examples.resolve("tcp-port-80.ddd").toString(),
                    "--pcap",
                    examples.resolve("sample.pcap").toString(),
                    "--count"));
            socket.addAll(eager);
            List<String> seccomp = new java.util.ArrayList<>(List.of("run", scpl, "--syscall", "mkdir(0x1000, 0755)"));
            seccomp.addAll(eager);
            commands.add(socket);
            commands.add(seccomp);
            commands.add(List.of("--version"));
        }
        for (List<String> command : commands) {
            int status = Main.run(command.toArray(String[]::new), sink, sink);
            boolean expectedFailure = command.get(command.size() - 1).endsWith("no-such-file.scpl");
            if ((status != Main.OK) != expectedFailure) {
                System.err.println(
                        "aot-training: unexpected exit " + status + " from: sluice " + String.join(" ", command));
                failures++;
            }
        }
        // exec up to the point of no return: the cached load, the command's path, the execve check and the FFM set-up.
        Arch host = Arch.host();
        PolicyCache cache = PolicyCache.forCommand(new PolyglotOptions());
        LoadedProgram policy = PolicyCache.load(cache, Path.of(scpl), Profile.SECCOMP, host, InputFormat.AUTO);
        ExecCommand.resolve("true");
        ExecCommand.deniedSummary(policy.lowered(), host);
        // With a list of the caller's descriptors, as exec has one (this JVM's own become close-on-exec: harmless in a
        // JVM that exits).
        new Native.Exec(
                        RawFormat.encode(policy.program(), ByteOrder.nativeOrder()),
                        "/bin/true",
                        List.of("/bin/true"),
                        "0,1,2")
                .warmUp();
        PolicyCache.directoryOverride = null;
        try (var files = Files.walk(cacheDir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        return failures == 0 ? Main.OK : Main.INTERNAL;
    }
}
