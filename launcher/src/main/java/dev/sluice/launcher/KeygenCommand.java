package dev.sluice.launcher;

import dev.sluice.core.trust.Signing;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice keygen -o NAME}: a new Ed25519 key pair for signing programs, NAME (private) and NAME.pub. */
@Command(
        name = "keygen",
        mixinStandardHelpOptions = true,
        description = {
            "Create an Ed25519 key pair for signing programs.",
            "Writes NAME (the private key, readable by the owner only) and NAME.pub (PEM, as openssl writes them).",
            "Never overwrites: an existing NAME or NAME.pub is an error."
        })
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "NAME",
            description = "The private key file; the public key goes to NAME.pub.")
    Path output;

    @Override
    public Integer call() {
        Path pub = output.resolveSibling(output.getFileName() + ".pub");
        for (Path p : new Path[] {output, pub}) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw UserError.invalid(
                        p + ": already exists; refusing to overwrite a key (choose another NAME or remove it)");
            }
        }
        try {
            Signing.generate(output, pub);
        } catch (FileAlreadyExistsException e) {
            throw UserError.invalid(
                    e.getFile() + ": already exists; refusing to overwrite a key (choose another NAME or remove it)");
        } catch (IOException e) {
            throw UserError.invalid(output + ": cannot write the key: " + IoErrors.describe(e));
        }
        spec.commandLine()
                .getOut()
                .println("wrote " + output + " (private key: keep it secret) and " + pub
                        + " (public key: give it to --trusted-key)");
        return Main.OK;
    }
}
