package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed programs, the measured-load log and budgets on the command line (docs/guards.md), as separate processes.
 * Signatures and chain values are checked here with the JDK directly, not with Sluice's own classes, so a bug in
 * the library's encoding would show up as a mismatch.
 */
class SignedProgramsTest {
    private static final String NOT_VERIFIED =
            " trusted key(s) (the program or the signature was changed, or the signer's key is not trusted)";

    private static void assertRefused(Sluice.Result r, String line) {
        assertEquals(1, r.exit(), r::toString);
        assertEquals("", r.stdout(), r::toString);
        assertEquals(List.of(line), r.stderrLines(), r::toString);
    }

    private static Path copyExample(Path dir, String example) throws IOException {
        return Files.copy(Sluice.ROOT.resolve("examples").resolve(example), dir.resolve(example));
    }

    /** The public key as the JDK reads PEM SubjectPublicKeyInfo, independent of Sluice's parser. */
    private static PublicKey readPublicKey(Path pub) throws IOException, GeneralSecurityException {
        String pem = Files.readString(pub);
        assertTrue(pem.startsWith("-----BEGIN PUBLIC KEY-----\n") && pem.endsWith("-----END PUBLIC KEY-----\n"), pem);
        String body = pem.replace("-----BEGIN PUBLIC KEY-----", "")
                .replace("-----END PUBLIC KEY-----", "")
                .replaceAll("\\s", "");
        return KeyFactory.getInstance("Ed25519")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    }

    /** Two key pairs made once by {@code sluice keygen}: "k" signs the programs, "other" is a key nobody trusts. */
    @TempDir
    static Path keys;

    @BeforeAll
    static void makeKeys() {
        for (String name : List.of("k", "other")) {
            Sluice.Result r = Sluice.run("keygen", "-o", keys.resolve(name).toString());
            assertEquals(0, r.exit(), r::toString);
            assertEquals(
                    "wrote " + keys.resolve(name) + " (private key: keep it secret) and " + keys.resolve(name + ".pub")
                            + " (public key: give it to --trusted-key)\n",
                    r.stdout());
        }
    }

    private static Path key(String name) {
        return keys.resolve(name);
    }

    private static Path pub(String name) {
        return keys.resolve(name + ".pub");
    }

    private static void sign(String keyName, Path... files) {
        List<String> args =
                new ArrayList<>(List.of("sign", "--key", key(keyName).toString()));
        StringBuilder expected = new StringBuilder();
        for (Path f : files) {
            args.add(f.toString());
            expected.append("wrote ").append(f).append(".sig\n");
        }
        Sluice.Result r = Sluice.run(args.toArray(new String[0]));
        assertEquals(0, r.exit(), r::toString);
        assertEquals(expected.toString(), r.stdout());
    }

    @Test
    void keygenWritesAnOwnerOnlyPemPairAndNeverOverwrites() throws Exception {
        Path k = key("k");
        assertTrue(Files.readString(k).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertEquals(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(k),
                "the private key is owner-only");
        readPublicKey(pub("k"));
        byte[] before = Files.readAllBytes(k);
        assertRefused(
                Sluice.run("keygen", "-o", k.toString()),
                k + ": already exists; refusing to overwrite a key (choose another NAME or remove it)");
        assertArrayEquals(before, Files.readAllBytes(k));
    }

    @Test
    void signedProgramsPassAndTamperedWrongKeyAndUnsignedOnesAreRefusedBeforeParsing(@TempDir Path dir)
            throws Exception {
        Path good = copyExample(dir, "deny-mkdir.bpf");
        Path goodScpl = copyExample(dir, "echo-hi.scpl");
        Path tampered = Files.copy(good, dir.resolve("tampered.bpf"));
        Path garbage = Files.copy(good, dir.resolve("garbage.bpf"));
        Path wrongKey = Files.copy(good, dir.resolve("wrong-key.bpf"));
        Path unsigned = Files.copy(goodScpl, dir.resolve("unsigned.scpl"));
        Path includer = copyExample(dir, "build-tool.scpl");
        Path included = copyExample(dir, "file-io.scpl"); // left unsigned
        sign("k", good, goodScpl, tampered, garbage, includer);
        sign("other", wrongKey);

        // The detached signature is Ed25519 over the file's exact bytes, base64 on one line: the JDK verifies it with
        // NAME.pub.
        byte[] bytes = Files.readAllBytes(good);
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(readPublicKey(pub("k")));
        verifier.update(bytes);
        assertTrue(verifier.verify(Base64.getDecoder()
                .decode(Files.readString(Path.of(good + ".sig")).strip())));

        // Tampered after signing: ERRNO(EPERM) becomes ERRNO(0), mkdir "succeeds". Still a valid program: only the
        // signature stops it.
        int errno = 7 * 8 + 4; // insn 7 is ret #0x00050001; its k is little-endian at byte 4 of the 8
        assertEquals(1, bytes[errno]);
        byte[] changed = bytes.clone();
        changed[errno] = 0;
        Files.write(tampered, changed);
        // Garbage in place of the program: refused for its signature, not reported as a parse error (nothing parsed
        // it).
        Files.write(garbage, "not a program at all\n".getBytes(StandardCharsets.US_ASCII));

        Sluice.Result r = Sluice.run(
                "check",
                "--require-signature",
                "--trusted-key",
                pub("k").toString(),
                good.toString(),
                goodScpl.toString(),
                tampered.toString(),
                garbage.toString(),
                wrongKey.toString(),
                unsigned.toString(),
                includer.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(good + ": ok (9 instructions)\n" + goodScpl + ": ok (57 instructions)\n", r.stdout());
        List<String> err = r.stderrLines();
        assertEquals(
                List.of(
                        tampered + ": refused: " + tampered + ".sig does not verify with the 1" + NOT_VERIFIED,
                        garbage + ": refused: " + garbage + ".sig does not verify with the 1" + NOT_VERIFIED,
                        wrongKey + ": refused: " + wrongKey + ".sig does not verify with the 1" + NOT_VERIFIED,
                        unsigned + ": refused: no signature (--require-signature is set; looked for " + unsigned
                                + ".sig)",
                        // An SCPL include is checked like the policy: a signature of the top file alone leaves nothing
                        // unchecked.
                        includer + ":3:1: cannot include \"file-io.scpl\": " + included
                                + ": refused: no signature (--require-signature is set; looked for " + included
                                + ".sig)",
                        "    include \"file-io.scpl\";",
                        "    ^"),
                err,
                r::toString);

        // The other subcommands apply the same flags: run evaluates a signed program, compile refuses an unsigned
        // policy,
        // and a key that is trusted as well makes the wrong-key program acceptable.
        Sluice.Result run = Sluice.run(
                "run",
                "--require-signature",
                "--trusted-key",
                pub("k").toString(),
                "--arch",
                "x86_64",
                good.toString(),
                "--syscall",
                "83",
                "--syscall",
                "39");
        assertEquals(0, run.exit(), run::toString);
        assertEquals("ERRNO(1)\nALLOW\n", run.stdout());
        Sluice.Result runTampered = Sluice.run(
                "run",
                "--require-signature",
                "--trusted-key",
                pub("k").toString(),
                tampered.toString(),
                "--syscall",
                "83");
        assertRefused(
                runTampered, tampered + ": refused: " + tampered + ".sig does not verify with the 1" + NOT_VERIFIED);
        Path out = dir.resolve("out.bpf");
        assertRefused(
                Sluice.run(
                        "compile",
                        "--require-signature",
                        "--trusted-key",
                        pub("k").toString(),
                        "--trusted-key",
                        pub("other").toString(),
                        unsigned.toString(),
                        "-o",
                        out.toString()),
                unsigned + ": refused: no signature (--require-signature is set; looked for " + unsigned + ".sig)");
        assertTrue(Files.notExists(out));
        Sluice.Result twoKeys = Sluice.run(
                "disasm",
                "--require-signature",
                "--trusted-key",
                pub("k").toString(),
                "--trusted-key",
                pub("other").toString(),
                wrongKey.toString());
        assertEquals(0, twoKeys.exit(), twoKeys::toString);
        assertTrue(twoKeys.stdout().contains("l7: ret #0x50001\n"), twoKeys::toString);

        // A flag without its partner is a usage error, reported once (not once per file).
        Sluice.Result noKey = Sluice.run("check", "--require-signature", good.toString(), goodScpl.toString());
        assertEquals(2, noKey.exit(), noKey::toString);
        assertEquals(
                List.of(
                        "sluice check: --require-signature needs at least one --trusted-key KEY.pub",
                        "Try 'sluice check --help'."),
                noKey.stderrLines());
    }

    /** One printed entry: INDEX CHAIN DIGEST PROFILE OPTIONS FILE. */
    private record Entry(int index, String chain, String digest, String profile, String options, String file) {
        static Entry parse(String line) {
            String[] f = line.split(" ", 6);
            return new Entry(Integer.parseInt(f[0]), f[1], f[2], f[3], f[4], f[5]);
        }
    }

    private static List<Entry> measured(Sluice.Result r) {
        List<String> lines = r.stderrLines();
        int header = lines.indexOf("# measured-load log: INDEX CHAIN DIGEST PROFILE OPTIONS FILE");
        assertTrue(header >= 0, r::toString);
        List<Entry> entries = new ArrayList<>();
        for (String l : lines.subList(header + 1, lines.size())) {
            if (l.matches("\\d+ [0-9a-f]{64} [0-9a-f]{64} .*")) {
                entries.add(Entry.parse(l));
            }
        }
        return entries;
    }

    /** chain[0] = 32 zero bytes; chain[i+1] = SHA-256(chain[i] || digest || profile || 0x00 || options), as docs/guards.md says. */
    private static List<String> replay(List<Entry> entries, Map<String, byte[]> files) throws Exception {
        byte[] chain = new byte[32];
        List<String> chains = new ArrayList<>();
        for (Entry e : entries) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(files.get(e.file()));
            assertEquals(HexFormat.of().formatHex(digest), e.digest(), "the digest is sha256sum of " + e.file());
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(chain);
            md.update(digest);
            md.update(e.profile().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(e.options().getBytes(StandardCharsets.UTF_8));
            chain = md.digest();
            chains.add(HexFormat.of().formatHex(chain));
        }
        return chains;
    }

    @Test
    void measureOutputReplaysFromTheFiles(@TempDir Path dir) throws Exception {
        Path bpf = copyExample(dir, "deny-mkdir.bpf");
        Path asm = copyExample(dir, "deny-mkdir.asm");
        Path policy = copyExample(dir, "build-tool.scpl");
        Path included = copyExample(dir, "file-io.scpl");
        Sluice.Result r =
                Sluice.run("check", "--measure", "--arch", "x86_64", bpf.toString(), asm.toString(), policy.toString());
        assertEquals(0, r.exit(), r::toString);
        List<Entry> entries = measured(r);
        // The included file is measured before the policy that includes it.
        assertEquals(
                List.of(bpf.toString(), asm.toString(), included.toString(), policy.toString()),
                entries.stream().map(Entry::file).toList());
        assertEquals(List.of(0, 1, 2, 3), entries.stream().map(Entry::index).toList());
        assertEquals(
                List.of(
                        "arch=x86_64,inputFormat=auto,requireSignature=false",
                        "arch=x86_64,inputFormat=auto,requireSignature=false",
                        "arch=x86_64,inputFormat=scpl-include,requireSignature=false",
                        "arch=x86_64,inputFormat=scpl,requireSignature=false"),
                entries.stream().map(Entry::options).toList());
        Map<String, byte[]> files = new HashMap<>();
        for (Path p : List.of(bpf, asm, policy, included)) {
            files.put(p.toString(), Files.readAllBytes(p));
        }
        assertEquals(entries.stream().map(Entry::chain).toList(), replay(entries, files));
        // The same program text as raw bytes and as bpf_asm text is two different measurements.
        assertNotEquals(entries.get(0).digest(), entries.get(1).digest());

        // run measures its budget too, and the chain commits to it: the same file under other options gives another
        // chain.
        sign("k", bpf);
        Sluice.Result run = Sluice.run(
                "run",
                "--measure",
                "--require-signature",
                "--trusted-key",
                pub("k").toString(),
                "--arch",
                "x86_64",
                "--max-instructions",
                "6",
                "--over-budget",
                "verdict:KILL_PROCESS",
                bpf.toString(),
                "--syscall",
                "83");
        assertEquals(0, run.exit(), run::toString);
        List<Entry> runEntries = measured(run);
        assertEquals(1, runEntries.size(), run::toString);
        // The budget part is the bpf language's own measured form (GuardOptions.measured()); its exact field list is
        // the library's.
        String options = runEntries.get(0).options();
        assertTrue(
                options.startsWith("arch=x86_64,inputFormat=auto,requireSignature=true,maxInstructions=6,"), options);
        assertTrue(options.endsWith(",overBudgetAction=verdict:2147483648"), options);
        assertEquals(List.of(runEntries.get(0).chain()), replay(runEntries, files));
        assertEquals(entries.get(0).digest(), runEntries.get(0).digest());
        assertNotEquals(entries.get(0).chain(), runEntries.get(0).chain());
    }

    @Test
    void maxInstructionsStopsALongPath() {
        // examples/deny-mkdir.bpf: mkdir (83) takes insns 0,1,2,3,4,7 (6); getpid (39) takes 0..6 (7).
        Sluice.Result over = Sluice.run(
                "run", "--arch", "x86_64", "--max-instructions", "6", "examples/deny-mkdir.bpf", "--syscall", "39");
        assertRefused(over, "sluice run: insn 6: over budget: stopped after 6 instructions (bpf.MaxInstructions)");

        Sluice.Result verdict = Sluice.run(
                "run",
                "--arch",
                "x86_64",
                "--max-instructions",
                "6",
                "--over-budget",
                "verdict:KILL_PROCESS",
                "examples/deny-mkdir.bpf",
                "--syscall",
                "83",
                "--syscall",
                "39",
                "--syscall",
                "258");
        assertEquals(0, verdict.exit(), verdict::toString);
        assertEquals(
                "ERRNO(1)\nKILL_PROCESS\nKILL_PROCESS\n",
                verdict.stdout(),
                "the 6-instruction path within budget, the declared verdict for the two of 7");

        Sluice.Result bad = Sluice.run("run", "--over-budget", "allow", "examples/deny-mkdir.bpf", "--syscall", "83");
        assertEquals(2, bad.exit(), bad::toString);
        assertEquals(
                "sluice run: --over-budget: 'allow' is not error or verdict:N (N: a 32-bit number or a seccomp action name)",
                bad.stderrLines().get(0));
    }
}
