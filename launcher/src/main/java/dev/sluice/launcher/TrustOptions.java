package dev.sluice.launcher;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The provenance flags of every subcommand that loads a program (docs/guards.md): {@code --require-signature},
 * {@code --trusted-key KEY.pub} (repeatable) and {@code --measure}. Giving any of them makes this subcommand's flags the
 * ones {@link Provenance} applies in {@link LoadedProgram#load}, so a subcommand needs only {@code @Mixin TrustOptions}.
 */
final class TrustOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    boolean requireSignature;
    List<Path> trustedKeys = List.of();
    boolean measure;

    @Option(
            names = "--require-signature",
            description =
                    "Refuse a program unless FILE.sig beside it is an Ed25519 signature of the file by a --trusted-key; checked before the program is parsed.")
    void requireSignature(boolean on) {
        requireSignature = on;
        Provenance.use(this);
    }

    @Option(
            names = "--trusted-key",
            paramLabel = "KEY.pub",
            description =
                    "A public key (from 'sluice keygen') whose signatures --require-signature accepts (repeatable).")
    void trustedKeys(List<Path> keys) {
        trustedKeys = List.copyOf(keys);
        Provenance.use(this);
    }

    @Option(
            names = "--measure",
            description =
                    "Print the measured-load log to stderr: per program loaded, 'INDEX CHAIN DIGEST PROFILE OPTIONS FILE' (docs/guards.md).")
    void measure(boolean on) {
        measure = on;
        Provenance.use(this);
    }

    /** The command this mixin belongs to (for its stderr and the polyglot options given on the command line). */
    Main main() {
        return (Main) mixee.root().userObject();
    }
}
