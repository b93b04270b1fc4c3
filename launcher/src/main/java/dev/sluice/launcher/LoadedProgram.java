package dev.sluice.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.formats.TextFormats;
import dev.sluice.bpf.isa.Arch;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.lower.Lowering;
import dev.sluice.bpf.parse.ProgramParser;
import dev.sluice.bpf.runtime.SluiceException;
import dev.sluice.bpf.verify.Verifier;

/**
 * A program file read, parsed and verified as the kernel would load it for a profile and arch. Any BPF format is
 * detected from the content; {@code .scpl} files are SCPL policies. Failures become {@link UserError}s naming the file
 * (and line:col with a caret for text), exit code 1.
 */
record LoadedProgram(String name, Program program, Profile profile, Arch arch, String sourceText) {

    static boolean isScpl(Path path) {
        return path.getFileName() != null && path.getFileName().toString().endsWith(".scpl");
    }

    static byte[] readFile(Path path) {
        try {
            if (Files.isDirectory(path)) {
                throw UserError.invalid(path + ": is a directory");
            }
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw UserError.invalid(path + ": no such file");
        } catch (AccessDeniedException e) {
            throw UserError.invalid(path + ": permission denied");
        } catch (IOException e) {
            throw UserError.invalid(path + ": cannot read: " + e.getMessage());
        } catch (OutOfMemoryError e) {
            throw UserError.invalid(path + ": too large to read into memory");
        }
    }

    static LoadedProgram load(Path path, Profile profile, Arch arch, InputFormat format) {
        String name = path.toString();
        byte[] bytes = readFile(path);
        if (isScpl(path)) {
            throw UserError.notYet(name + ": SCPL policies need the SCPL compiler");
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
        return new LoadedProgram(name, program, profile, arch, sourceText);
    }

    /** The program as raw sock_filter bytes in the arch's byte order: what the bpf language and the kernel take. */
    byte[] rawBytes() {
        return RawFormat.encode(program, arch.byteOrder());
    }

    LoweredProgram lowered() {
        return Lowering.lower(program, profile, arch);
    }

    String mimeType() {
        return profile == Profile.SECCOMP ? dev.sluice.bpf.BpfLanguage.MIME_BINARY_SECCOMP : dev.sluice.bpf.BpfLanguage.MIME_BINARY_SOCKET;
    }
}
