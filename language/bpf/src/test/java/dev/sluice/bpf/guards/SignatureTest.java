package dev.sluice.bpf.guards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.runtime.Failure;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.trust.Signing;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;
import org.graalvm.polyglot.io.FileSystem;
import org.graalvm.polyglot.io.IOAccess;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signed programs: a context that requires signatures loads only programs signed by a trusted key, and checks before parsing. */
class SignatureTest {
    @TempDir
    static Path dir;

    static Path keyA;
    static Path pubA;
    static Path keyB;
    static Path pubB;

    @BeforeAll
    static void keys() throws Exception {
        keyA = dir.resolve("a");
        pubA = dir.resolve("a.pub");
        keyB = dir.resolve("b");
        pubB = dir.resolve("b.pub");
        Signing.generate(keyA, pubA);
        Signing.generate(keyB, pubB);
    }

    static Context requiring(Path... trusted) {
        return requiring("", trusted);
    }

    static Context requiring(String inlineSignatures, Path... trusted) {
        StringBuilder keys = new StringBuilder();
        for (Path p : trusted) {
            keys.append(keys.isEmpty() ? "" : ":").append(p);
        }
        return Context.newBuilder("bpf")
                .option("bpf.RequireSignature", "true")
                .option("bpf.TrustedKeys", keys.toString())
                .option("bpf.Signature", inlineSignatures)
                .allowIO(IOAccess.newBuilder()
                        .fileSystem(FileSystem.newReadOnlyFileSystem(FileSystem.newDefaultFileSystem()))
                        .build())
                .build();
    }

    static Path program(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static PolyglotException refused(Context c, Path program) {
        return assertThrows(
                PolyglotException.class,
                () -> c.eval(Source.newBuilder("bpf", program.toFile()).build()));
    }

    @Test
    void keysSignAndVerifyWithTheJdk() throws Exception {
        byte[] data = "program bytes".getBytes(StandardCharsets.US_ASCII);
        byte[] sig = Signing.sign(keyA, data);
        assertEquals(64, sig.length);
        assertTrue(Signing.verify(List.of(pubA), data, sig));
        assertTrue(Signing.verify(List.of(pubB, pubA), data, sig), "any trusted key may have signed");
        assertFalse(Signing.verify(List.of(pubB), data, sig), "wrong key");
        byte[] tampered = data.clone();
        tampered[3] ^= 1;
        assertFalse(Signing.verify(List.of(pubA), tampered, sig), "tampered data");
        byte[] badSig = sig.clone();
        badSig[10] ^= 0x40;
        assertFalse(Signing.verify(List.of(pubA), data, badSig), "tampered signature");
        assertArrayEquals(sig, Signing.decodeSignature(Signing.encodeSignature(sig), "x.sig"));
        assertTrue(Files.readString(pubA).startsWith("-----BEGIN PUBLIC KEY-----\n"));
        assertTrue(Files.readString(keyA).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    }

    @Test
    void signedProgramLoadsAndRuns() throws Exception {
        Path p = program("ok.bpf", GuardPrograms.raw(GuardPrograms.tagged(7, 1)));
        Signing.signFile(keyA, p);
        try (Context c = requiring(pubB, pubA)) {
            org.graalvm.polyglot.Value f =
                    c.eval(Source.newBuilder("bpf", p.toFile()).build());
            assertEquals(
                    (7L << 16) | 43, f.execute(GuardPrograms.seccompData(42)).asLong());
            assertFalse(
                    f.getMember("constantBlinding").asBoolean(),
                    "bpf.ConstantBlinding=auto: a verified program is trusted");
        }
        try (Context c = Context.newBuilder("bpf").build()) {
            org.graalvm.polyglot.Value f =
                    c.eval(Source.newBuilder("bpf", ByteSequence.create(Files.readAllBytes(p)), "x.bpf")
                            .build());
            assertTrue(
                    f.getMember("constantBlinding").asBoolean(),
                    "bpf.ConstantBlinding=auto: an unsigned program is blinded");
        }
    }

    @Test
    void unsignedProgramIsRefusedBeforeParsing() throws Exception {
        // 7 bytes is not a raw program; the refusal must come first, so the parser never sees it.
        Path p = program("garbage.bpf", new byte[7]);
        try (Context c = requiring(pubA)) {
            PolyglotException e = refused(c, p);
            assertTrue(e.isSyntaxError());
            assertEquals(
                    "garbage.bpf: refused: no signature (bpf.RequireSignature is set; looked for " + p
                            + ".sig and the option bpf.Signature)",
                    e.getMessage());
        }
        // Signed, the same bytes reach the parser and fail there: the check comes before parsing, not instead of it.
        Signing.signFile(keyA, p);
        try (Context c = requiring(pubA)) {
            assertEquals(Failure.RAW_LENGTH.message(7), refused(c, p).getMessage());
        }
    }

    @Test
    void tamperedProgramIsRefused() throws Exception {
        byte[] bytes = GuardPrograms.raw(GuardPrograms.tagged(7, 1));
        Path p = program("tampered.bpf", bytes);
        Signing.signFile(keyA, p);
        bytes[8 + 4] ^= 2; // the add constant: still a valid program, but not the signed one
        Files.write(p, bytes);
        try (Context c = requiring(pubA)) {
            assertEquals(
                    CoreFailure.SIGNATURE_NOT_TRUSTED.message("tampered.bpf", 1, 1),
                    refused(c, p).getMessage());
        }
    }

    @Test
    void tamperedSignatureIsRefused() throws Exception {
        Path p = program("badsig.bpf", GuardPrograms.raw(GuardPrograms.tagged(7, 1)));
        Path sig = Signing.signFile(keyA, p);
        byte[] s = Base64.getDecoder().decode(Files.readString(sig).strip());
        s[5] ^= 1;
        Files.write(sig, Signing.encodeSignature(s));
        try (Context c = requiring(pubA)) {
            assertEquals(
                    CoreFailure.SIGNATURE_NOT_TRUSTED.message("badsig.bpf", 1, 1),
                    refused(c, p).getMessage());
        }
        Files.writeString(sig, "not base64 at all!\n");
        try (Context c = requiring(pubA)) {
            PolyglotException e = refused(c, p);
            assertTrue(e.getMessage().startsWith(sig + ": malformed signature: not base64"), e.getMessage());
        }
    }

    @Test
    void untrustedKeyIsRefused() throws Exception {
        Path p = program("other.bpf", GuardPrograms.raw(GuardPrograms.tagged(7, 1)));
        Signing.signFile(keyB, p);
        try (Context c = requiring(pubA)) {
            assertEquals(
                    CoreFailure.SIGNATURE_NOT_TRUSTED.message("other.bpf", 1, 1),
                    refused(c, p).getMessage());
        }
    }

    @Test
    void inMemorySourceUsesTheSignatureOption() throws Exception {
        byte[] bytes = GuardPrograms.raw(GuardPrograms.tagged(3, 0));
        String sig = Base64.getEncoder().encodeToString(Signing.sign(keyA, bytes));
        String otherSig =
                Base64.getEncoder().encodeToString(Signing.sign(keyA, GuardPrograms.raw(GuardPrograms.tagged(4, 0))));
        Source src =
                Source.newBuilder("bpf", ByteSequence.create(bytes), "mem.bpf").build();
        try (Context c = requiring(otherSig + "," + sig, pubA)) {
            assertEquals(
                    (3L << 16) | 5,
                    c.eval(src).execute(GuardPrograms.seccompData(5)).asLong());
        }
        try (Context c = requiring(otherSig, pubA)) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> c.eval(src));
            assertEquals(CoreFailure.SIGNATURE_NOT_TRUSTED.message("mem.bpf", 1, 1), e.getMessage());
        }
        try (Context c = requiring(pubA)) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> c.eval(src));
            assertEquals(
                    "mem.bpf: refused: no signature (bpf.RequireSignature is set; looked for the option bpf.Signature)",
                    e.getMessage());
        }
    }

    @Test
    void textProgramsAreSignedAsTheirFileBytes() throws Exception {
        Path p = program("allow.bpf", "ld [0]\nret #0x7fff0000\n".getBytes(StandardCharsets.US_ASCII));
        Signing.signFile(keyA, p);
        Source text =
                Source.newBuilder("bpf", p.toFile()).mimeType("text/x-bpf").build();
        try (Context c = requiring(pubA)) {
            // Accepted: it loads, or (while the text reader is another branch's work) fails in the parser, past the
            // check.
            try {
                assertEquals(
                        0x7fff0000L,
                        c.eval(text).execute(GuardPrograms.seccompData(1)).asLong());
            } catch (PolyglotException e) {
                assertFalse(e.getMessage().contains("refused"), e.getMessage());
            }
        }
        Files.writeString(p, "ld [0]\nret #0x7fff0001\n");
        try (Context c = requiring(pubA)) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(Source.newBuilder("bpf", p.toFile())
                            .mimeType("text/x-bpf")
                            .build()));
            assertEquals(CoreFailure.SIGNATURE_NOT_TRUSTED.message("allow.bpf", 1, 1), e.getMessage());
        }
    }

    @Test
    void misconfigurationIsAClearError() throws Exception {
        Path p = program("any.bpf", GuardPrograms.raw(GuardPrograms.tagged(1, 1)));
        try (Context c =
                Context.newBuilder("bpf").option("bpf.RequireSignature", "true").build()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(Source.newBuilder("bpf", p.toFile()).build()));
            assertEquals(CoreFailure.NO_TRUSTED_KEYS.message("bpf", "bpf"), e.getMessage());
        }
        try (Context c = Context.newBuilder("bpf")
                .option("bpf.RequireSignature", "true")
                .option("bpf.TrustedKeys", pubA.toString())
                .build()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(Source.newBuilder("bpf", p.toFile()).build()));
            assertTrue(
                    e.getMessage().startsWith(pubA + ": cannot read: the context does not allow reading files"),
                    e.getMessage());
        }
        Path notAKey = program("notakey.pub", "hello".getBytes(StandardCharsets.US_ASCII));
        try (Context c = requiring(notAKey)) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(Source.newBuilder("bpf", p.toFile()).build()));
            assertEquals(
                    notAKey + ": no '-----BEGIN PUBLIC KEY-----' ... '-----END PUBLIC KEY-----' block", e.getMessage());
        }
    }

    /** Keys and signatures made by OpenSSL are accepted: the file formats are the standard ones. */
    @Test
    void opensslKeysAndSignaturesInteroperate() throws Exception {
        File openssl = new File("/usr/bin/openssl");
        if (!openssl.canExecute()) {
            System.err.println("SKIPPED: opensslKeysAndSignaturesInteroperate: /usr/bin/openssl not found");
        }
        Assumptions.assumeTrue(openssl.canExecute(), "SKIPPED: /usr/bin/openssl not found");
        Path key = dir.resolve("ossl.pem");
        Path pub = dir.resolve("ossl.pub");
        Path p = program("ossl.bpf", GuardPrograms.raw(GuardPrograms.tagged(9, 0)));
        run("openssl", "genpkey", "-algorithm", "ed25519", "-out", key.toString());
        run("openssl", "pkey", "-in", key.toString(), "-pubout", "-out", pub.toString());
        run("openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key.toString(), "-in", p.toString(), "-out", p + ".sig");
        assertEquals(64, Files.size(Path.of(p + ".sig")), "openssl writes the raw signature");
        try (Context c = requiring(pub)) {
            assertEquals(
                    9L << 16,
                    c.eval(Source.newBuilder("bpf", p.toFile()).build())
                            .execute(GuardPrograms.seccompData(0))
                            .asLong());
        }
        // And the other way: a Sluice signature verifies with openssl.
        Files.write(Path.of(p + ".rawsig"), Signing.sign(key, Files.readAllBytes(p)));
        run(
                "openssl",
                "pkeyutl",
                "-verify",
                "-rawin",
                "-pubin",
                "-inkey",
                pubA.toString().replace("a.pub", "ossl.pub"),
                "-in",
                p.toString(),
                "-sigfile",
                p + ".rawsig");
    }

    private static void run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(pr.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
