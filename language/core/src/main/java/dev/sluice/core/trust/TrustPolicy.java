package dev.sluice.core.trust;

import com.oracle.truffle.api.TruffleFile;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.source.Source;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.graalvm.options.OptionType;

/**
 * Whether a context accepts a program: built once per context from the options {@code <lang>.RequireSignature},
 * {@code <lang>.TrustedKeys} and {@code <lang>.Signature}, checked on every load before the program is parsed.
 *
 * <p>Where a signature comes from, in this order (any one that verifies is enough):
 * <ol>
 * <li>the option {@code <lang>.Signature}: one or more base64 signatures separated by ',' (for sources built in
 * memory; one context can hold the signatures of several programs);</li>
 * <li>the file {@code <source path>.sig} beside the program, when the source has a path ({@code Source.getPath()}).</li>
 * </ol>
 * Files (trusted keys and signature files) are read through the context's file system
 * ({@link Env#getPublicTruffleFile}), so the embedder's I/O policy applies: a context that requires signatures from
 * files needs read access to them (for example {@code IOAccess.newBuilder().fileSystem(FileSystem.newReadOnlyFileSystem(FileSystem.newDefaultFileSystem()))}).
 */
public final class TrustPolicy {
    /** Accepts everything: signatures are not required. */
    public static final TrustPolicy OPEN = new TrustPolicy("", false, List.of(), List.of());

    private final String optionPrefix;
    private final boolean required;
    private final List<PublicKey> keys;
    private final List<byte[]> inlineSignatures;

    private TrustPolicy(String optionPrefix, boolean required, List<PublicKey> keys, List<byte[]> inlineSignatures) {
        this.optionPrefix = optionPrefix;
        this.required = required;
        this.keys = keys;
        this.inlineSignatures = inlineSignatures;
    }

    /**
     * A list option: the non-blank items of a string split at {@code separator}, stripped. The trust options are
     * declared with these types, so Truffle converts (and shows) them as lists.
     */
    public static OptionType<List<String>> listOption(String name, String separator) {
        return new OptionType<>(name, text -> {
            List<String> items = new ArrayList<>();
            for (String item : text.split(java.util.regex.Pattern.quote(separator))) {
                if (!item.isBlank()) {
                    items.add(item.strip());
                }
            }
            return List.copyOf(items);
        });
    }

    /** {@code <lang>.TrustedKeys}: paths of PEM public keys separated by ':'. */
    public static final OptionType<List<String>> KEY_PATHS = listOption("KeyPaths", ":");
    /** {@code <lang>.Signature}: base64 signatures separated by ','. */
    public static final OptionType<List<String>> SIGNATURES = listOption("Signatures", ",");

    /**
     * Reads the policy from option values.
     *
     * @param optionPrefix {@code "bpf"} or {@code "scpl"}, used in messages
     * @param trustedKeys paths of PEM public keys
     * @param signatures base64 signatures
     */
    public static TrustPolicy fromOptions(
            Env env, String optionPrefix, boolean required, List<String> trustedKeys, List<String> signatures) {
        List<PublicKey> keys = new ArrayList<>();
        for (String path : trustedKeys) {
            keys.add(Signing.readPublicKey(readFile(env, path), path));
        }
        List<byte[]> inline = new ArrayList<>();
        for (String sig : signatures) {
            inline.add(Signing.decodeSignatureText(sig, optionPrefix + ".Signature"));
        }
        if (required && keys.isEmpty()) {
            throw SluiceException.create(CoreFailure.NO_TRUSTED_KEYS, optionPrefix, optionPrefix);
        }
        return new TrustPolicy(optionPrefix, required, List.copyOf(keys), List.copyOf(inline));
    }

    public boolean required() {
        return required;
    }

    public int trustedKeyCount() {
        return keys.size();
    }

    /**
     * Refuses {@code programBytes} (the bytes of {@code source}) unless a signature requirement is off or met. Nothing
     * of the program is interpreted before this returns.
     *
     * @return whether the program is signed by a trusted key (false when signatures are not required and none was checked)
     */
    public boolean check(Env env, Source source, byte[] programBytes) {
        if (!required) {
            return false;
        }
        String name = source.getName();
        List<byte[]> candidates = new ArrayList<>(inlineSignatures);
        String sigPath = source.getPath() == null ? null : source.getPath() + Signing.SIGNATURE_SUFFIX;
        if (sigPath != null) {
            byte[] content = readIfExists(env, sigPath);
            if (content != null) {
                candidates.add(Signing.decodeSignature(content, sigPath));
            }
        }
        if (candidates.isEmpty()) {
            String looked = (sigPath == null ? "" : sigPath + " and ") + "the option " + optionPrefix + ".Signature";
            throw SluiceException.create(CoreFailure.UNSIGNED_PROGRAM, name, optionPrefix, looked);
        }
        for (byte[] sig : candidates) {
            if (Signing.verifyWithAny(keys, programBytes, sig)) {
                return true;
            }
        }
        throw SluiceException.create(CoreFailure.SIGNATURE_NOT_TRUSTED, name, candidates.size(), keys.size());
    }

    /** The exact bytes a signature covers: a binary source's bytes, or a character source's text in UTF-8. */
    public static byte[] programBytes(Source source) {
        return source.hasBytes()
                ? source.getBytes().toByteArray()
                : source.getCharacters().toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] readFile(Env env, String path) {
        try {
            return env.getPublicTruffleFile(path).readAllBytes();
        } catch (IOException e) {
            throw SluiceException.create(CoreFailure.UNREADABLE_TRUST_FILE, path, Signing.describe(e));
        } catch (SecurityException | UnsupportedOperationException e) {
            throw SluiceException.create(
                    CoreFailure.UNREADABLE_TRUST_FILE,
                    path,
                    "the context does not allow reading files (" + e.getMessage() + ")");
        }
    }

    private static byte[] readIfExists(Env env, String path) {
        TruffleFile file;
        try {
            file = env.getPublicTruffleFile(path);
            if (!file.exists()) {
                return null;
            }
        } catch (SecurityException | UnsupportedOperationException e) {
            throw SluiceException.create(
                    CoreFailure.UNREADABLE_TRUST_FILE,
                    path,
                    "the context does not allow reading files (" + e.getMessage() + ")");
        }
        return readFile(env, path);
    }
}
