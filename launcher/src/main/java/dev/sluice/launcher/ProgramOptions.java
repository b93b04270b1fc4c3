package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.core.seccomp.Arch;
import picocli.CommandLine.Option;

/**
 * The options that say how to read and run a program, shared by the subcommands. Each falls back to the matching
 * polyglot option ({@code --bpf.Profile}, {@code --bpf.Arch}, {@code --bpf.InputFormat}), then to the default.
 */
final class ProgramOptions {
    @Option(
            names = "--lang",
            paramLabel = "bpf|ebpf|inetdiag",
            description =
                    "Language: bpf (classic BPF and SCPL, the default), ebpf (raw instruction bytes or bpf_conformance assembly; see docs/ebpf.md) or inetdiag (socket-filter bytecode or ss filter text; see docs/inetdiag.md).")
    String lang;

    @Option(
            names = "--profile",
            paramLabel = "seccomp|socket",
            description =
                    "Program kind: seccomp (input: struct seccomp_data) or socket (input: packets). Default: seccomp, or socket with --pcap. With --lang ebpf: the program type raw, socket_filter or xdp (default raw, or xdp with --pcap).")
    String profile;

    @Option(
            names = "--arch",
            paramLabel = "ARCH",
            description =
                    "Syscall ABI, as libseccomp names it (x86_64, aarch64, s390x, ...): the byte order of raw programs and seccomp_data. Default: the host's.")
    String arch;

    @Option(
            names = "--input-format",
            paramLabel = "FORMAT",
            completionCandidates = FormatNames.Input.class,
            description =
                    "Program format: ${COMPLETION-CANDIDATES} (eBPF: raw or asm). Default: auto (detected from the content).")
    String inputFormat;

    /** Whether {@code --lang ebpf} was given. */
    boolean ebpf() {
        if (lang == null || lang.equals("bpf")) {
            return false;
        }
        if (lang.equals("ebpf")) {
            return true;
        }
        if (lang.equals("inetdiag")) {
            return false;
        }
        throw UserError.usage("--lang " + lang + ": the languages are bpf, ebpf and inetdiag");
    }

    /** Whether {@code --lang inetdiag} was given. */
    boolean inetdiag() {
        return "inetdiag".equals(lang);
    }

    Profile profile(PolyglotOptions polyglot, Profile fallback) {
        String id = profile != null ? profile : polyglot.get("bpf.Profile");
        if (id == null) {
            return fallback;
        }
        try {
            return Profile.fromId(id);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    Arch arch(PolyglotOptions polyglot) {
        String token = arch != null ? arch : polyglot.get("bpf.Arch");
        if (token == null || token.isEmpty()) {
            return Arch.host();
        }
        try {
            return Arch.fromToken(token);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    InputFormat inputFormat(PolyglotOptions polyglot) {
        String id = inputFormat != null ? inputFormat : polyglot.get("bpf.InputFormat");
        if (id == null) {
            return InputFormat.AUTO;
        }
        try {
            return InputFormat.fromId(id);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }
}
