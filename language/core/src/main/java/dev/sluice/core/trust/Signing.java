package dev.sluice.core.trust;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Ed25519 keys and detached signatures for programs, from the JDK's {@code Ed25519} provider.
 *
 * <p>Key files are PEM text, the same as {@code openssl genpkey -algorithm ed25519} writes: a private key is
 * {@code -----BEGIN PRIVATE KEY-----}, base64 of its PKCS#8 encoding, {@code -----END PRIVATE KEY-----}; a public key
 * is {@code -----BEGIN PUBLIC KEY-----}, base64 of its X.509 SubjectPublicKeyInfo, {@code -----END PUBLIC KEY-----}.
 *
 * <p>A signature is over the exact program bytes (no prefix, no hashing first: Ed25519 hashes itself). A signature
 * file ({@code FILE.sig}) holds the base64 of the 64 signature bytes on one line; a file of exactly 64 bytes is taken
 * as the raw signature (what {@code openssl pkeyutl -sign -rawin} writes).
 */
public final class Signing {
    public static final String ALGORITHM = "Ed25519";
    public static final int SIGNATURE_LENGTH = 64;
    public static final String SIGNATURE_SUFFIX = ".sig";
    static final String PRIVATE_LABEL = "PRIVATE KEY";
    static final String PUBLIC_LABEL = "PUBLIC KEY";

    private Signing() {}

    /** Writes a new key pair: the private key to {@code privOut} (owner-only where the file system allows), the public key to {@code pubOut}. */
    public static void generate(Path privOut, Path pubOut) throws IOException {
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM + " provider", e);
        }
        byte[] priv = pem(PRIVATE_LABEL, pair.getPrivate().getEncoded());
        try {
            Files.createFile(
                    privOut, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(privOut);
        }
        Files.write(privOut, priv, StandardOpenOption.TRUNCATE_EXISTING);
        Files.write(pubOut, pem(PUBLIC_LABEL, pair.getPublic().getEncoded()));
    }

    /** The 64-byte Ed25519 signature of {@code data} with the private key in the PEM file {@code key}. */
    public static byte[] sign(Path key, byte[] data) throws IOException {
        PrivateKey privateKey = readPrivateKey(Files.readAllBytes(key), key.toString());
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw SluiceException.create(CoreFailure.BAD_KEY, key.toString(), e.getMessage());
        }
    }

    /** Whether {@code sig} is a valid signature of {@code data} by any of the public keys in the PEM files {@code trusted}. */
    public static boolean verify(List<Path> trusted, byte[] data, byte[] sig) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (Path p : trusted) {
            keys.add(readPublicKey(Files.readAllBytes(p), p.toString()));
        }
        return verifyWithAny(keys, data, sig);
    }

    /** Whether {@code sig} verifies over {@code data} with one of {@code keys}. */
    public static boolean verifyWithAny(List<PublicKey> keys, byte[] data, byte[] sig) {
        if (sig == null || sig.length != SIGNATURE_LENGTH) {
            return false;
        }
        for (PublicKey key : keys) {
            try {
                Signature s = Signature.getInstance(ALGORITHM);
                s.initVerify(key);
                s.update(data);
                if (s.verify(sig)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // A malformed signature for this key: not valid; try the next key.
            }
        }
        return false;
    }

    /** Signs {@code program} and writes {@code program.sig} beside it; returns the signature file. */
    public static Path signFile(Path key, Path program) throws IOException {
        byte[] sig = sign(key, Files.readAllBytes(program));
        Path out = program.resolveSibling(program.getFileName() + SIGNATURE_SUFFIX);
        Files.write(out, encodeSignature(sig));
        return out;
    }

    /** The signature file text: base64 and a newline. */
    public static byte[] encodeSignature(byte[] sig) {
        return (Base64.getEncoder().encodeToString(sig) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a signature file's content (base64 text, or exactly 64 raw bytes); {@code name} is used in errors. */
    public static byte[] decodeSignature(byte[] content, String name) {
        if (content.length == SIGNATURE_LENGTH) {
            return content.clone();
        }
        return decodeSignatureText(new String(content, StandardCharsets.US_ASCII).strip(), name);
    }

    /** Decodes one base64 signature. */
    public static byte[] decodeSignatureText(String text, String name) {
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw SluiceException.create(CoreFailure.MALFORMED_SIGNATURE, name, "not base64 (" + e.getMessage() + ")");
        }
        if (sig.length != SIGNATURE_LENGTH) {
            throw SluiceException.create(
                    CoreFailure.MALFORMED_SIGNATURE,
                    name,
                    "decodes to " + sig.length + " bytes, an Ed25519 signature has 64");
        }
        return sig;
    }

    /** Parses a PEM public key file; {@code name} is used in errors. */
    public static PublicKey readPublicKey(byte[] content, String name) {
        byte[] der = unpem(content, PUBLIC_LABEL, name);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw SluiceException.create(
                    CoreFailure.BAD_KEY, name, "not an Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    /** Parses a PEM private key file; {@code name} is used in errors. */
    public static PrivateKey readPrivateKey(byte[] content, String name) {
        byte[] der = unpem(content, PRIVATE_LABEL, name);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw SluiceException.create(
                    CoreFailure.BAD_KEY, name, "not an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    static byte[] pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] unpem(byte[] content, String label, String name) {
        String text = new String(content, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw SluiceException.create(CoreFailure.BAD_KEY, name, "no '" + begin + "' ... '" + end + "' block");
        }
        String body = text.substring(b + begin.length(), e).replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException x) {
            throw SluiceException.create(CoreFailure.BAD_KEY, name, "the key block is not base64");
        }
    }

    /** Describes an I/O failure without a stack trace. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
