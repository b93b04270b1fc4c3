package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.formats.TextFormats;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.parse.ProgramParser;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.compile.CompileOptions;
import dev.sluice.scpl.compile.CompileResult;
import dev.sluice.scpl.compile.ScplCompiler;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A program file read, parsed and verified as the kernel would load it for a profile and arch. Any BPF format is
 * detected from the content; {@code .scpl} files are SCPL policies, compiled to BPF (for the policy's own arches, or
 * {@code arch} when it names none; {@code policy} is then the checked policy). Failures become {@link UserError}s
 * naming the file (and line:col with a caret for text), exit code 1.
 */
record LoadedProgram(
        String name,
        Program program,
        Profile profile,
        Arch arch,
        String sourceText,
        Policy policy,
        List<String> warnings) {

    static boolean isScpl(Path path) {
        return path.getFileName() != null && path.getFileName().toString().endsWith(".scpl");
    }

    static byte[] readFile(Path path) {
        try (InputFile in = InputFile.open(path)) {
            return in.readAll();
        }
    }

    static LoadedProgram load(Path path, Profile profile, Arch arch, InputFormat format) {
        return load(path, profile, arch, format, List.of());
    }

    /** @param targetArches for SCPL: compile for these arches instead of the policy's own list (empty: the policy's) */
    static LoadedProgram load(Path path, Profile profile, Arch arch, InputFormat format, List<Arch> targetArches) {
        byte[] bytes = readFile(path);
        Provenance.beforeParse(path, bytes); // signed programs: refused here, before anything parses them
        return load(path, bytes, profile, arch, format, targetArches, IncludeResolver.FILES);
    }

    /**
     * Loads {@code bytes}, the content of {@code path} (already read and, with --require-signature, checked).
     *
     * @param includes reads the files an SCPL policy includes (when no provenance flag wraps it)
     */
    static LoadedProgram load(
            Path path,
            byte[] bytes,
            Profile profile,
            Arch arch,
            InputFormat format,
            List<Arch> targetArches,
            IncludeResolver includes) {
        String name = path.toString();
        if (isScpl(path)) {
            if (profile != Profile.SECCOMP) {
                throw UserError.usage(name + ": an SCPL policy is a seccomp filter; --profile socket does not apply");
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            try {
                CompileOptions options = CompileOptions.defaults()
                        .defaultArches(List.of(arch))
                        .arches(targetArches)
                        .resolver(includes);
                CompileResult r = ScplCompiler.compile(name, text, Provenance.guardIncludes(options));
                Provenance.loaded(path, bytes, profile, arch, format, targetArches, true);
                return new LoadedProgram(name, r.program(), profile, arch, text, r.policy(), r.warnings());
            } catch (SluiceException e) {
                throw UserError.invalid(Diagnostics.render(e, name, text, null));
            }
        }
        boolean text = format == InputFormat.AUTO ? TextFormats.looksLikeText(bytes) : format != InputFormat.RAW;
        String sourceText = text ? new String(bytes, StandardCharsets.UTF_8) : null;
        Program program = null;
        try {
            program = ProgramParser.parse(name, bytes, format, arch.byteOrder());
            Verifier.verify(program, profile);
        } catch (SluiceException e) {
            throw UserError.invalid(Diagnostics.render(e, name, sourceText, program));
        }
        Provenance.loaded(path, bytes, profile, arch, format, targetArches, false);
        return new LoadedProgram(name, program, profile, arch, sourceText, null, List.of());
    }

    /** Prints the SCPL checker's warnings (already located) to stderr. */
    void printWarnings(java.io.PrintWriter err) {
        for (String w : warnings) {
            err.println(w);
        }
    }

    /** The program as raw sock_filter bytes in the arch's byte order: what the bpf language and the kernel take. */
    byte[] rawBytes() {
        return RawFormat.encode(program, arch.byteOrder());
    }

    LoweredProgram lowered() {
        return Lowering.lower(program, profile, arch);
    }

    String mimeType() {
        return profile == Profile.SECCOMP
                ? dev.sluice.bpf.BpfLanguage.MIME_BINARY_SECCOMP
                : dev.sluice.bpf.BpfLanguage.MIME_BINARY_SOCKET;
    }
}
