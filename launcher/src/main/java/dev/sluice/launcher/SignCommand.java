package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.trust.Signing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice sign --key NAME FILE...}: a detached Ed25519 signature of each file's exact bytes, in FILE.sig. */
@Command(
        name = "sign",
        mixinStandardHelpOptions = true,
        description = {
            "Sign programs (any BPF format or SCPL) with a private key from 'sluice keygen'.",
            "Writes FILE.sig beside each FILE (base64 of the Ed25519 signature of the file's bytes; replaces an older one).",
            "Verify with: sluice check --require-signature --trusted-key NAME.pub FILE"
        })
final class SignCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "NAME",
            description = "The private key file (NAME.pub is its public key).")
    Path key;

    @Parameters(
            arity = "1..*",
            paramLabel = "FILE",
            description = "The programs to sign: the signature covers the file exactly as it is.")
    List<Path> files;

    @Override
    public Integer call() {
        checkPrivateKey();
        for (Path f : files) {
            byte[] bytes = LoadedProgram.readFile(f);
            byte[] sig;
            try {
                sig = Signing.sign(key, bytes);
            } catch (SluiceException e) {
                throw UserError.invalid(e.getMessage());
            } catch (IOException e) {
                throw UserError.invalid(key + ": cannot read: " + IoErrors.describe(e));
            }
            Path out = f.resolveSibling(f.getFileName() + Signing.SIGNATURE_SUFFIX);
            try {
                Files.write(out, Signing.encodeSignature(sig));
            } catch (IOException e) {
                throw UserError.invalid(out + ": cannot write: " + IoErrors.describe(e));
            }
            spec.commandLine().getOut().println("wrote " + out);
        }
        return Main.OK;
    }

    /** Reads the key first, so a wrong key file is reported once, before any signature is written. */
    private void checkPrivateKey() {
        byte[] content = LoadedProgram.readFile(key);
        try {
            Signing.readPrivateKey(content, key.toString());
        } catch (SluiceException e) {
            throw UserError.invalid(e.getMessage()
                    + (key.getFileName().toString().endsWith(".pub")
                            ? " (sign with the private key NAME, not NAME.pub)"
                            : ""));
        }
    }
}
