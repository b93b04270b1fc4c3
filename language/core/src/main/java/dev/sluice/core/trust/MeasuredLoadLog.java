package dev.sluice.core.trust;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A context's measured-load log, in the manner of a TPM platform configuration register: each program loaded extends
 * a hash chain, so the final value commits to exactly which programs were loaded, in which order, with which profile
 * and options.
 *
 * <pre>
 * chain[0]   = 32 zero bytes
 * chain[i+1] = SHA-256( chain[i] || digest || UTF-8(profile) || 0x00 || UTF-8(options) )
 * digest     = SHA-256(the program's exact bytes)     (a character source: its text in UTF-8)
 * </pre>
 * The profile contains no NUL byte, so the encoding is unambiguous. An entry is added only when a program is loaded
 * successfully (signature accepted, parsed, verified). Embedders read it as {@code context.getBindings("bpf")}
 * members {@code measurements} (an array of entries) and {@code measurement} (the current chain value); a filter's
 * member {@code measurement} is its own entry. Auditors recompute it with {@link #replay}.
 */
public final class MeasuredLoadLog {
    public static final int HASH_LENGTH = 32;

    /** One load: index from 0, hex digests, and the chain value after this load. */
    public record Entry(int index, String name, String digest, String profile, String options, String chain) {
        /** One line as {@code sluice --measure} prints it. */
        @Override
        public String toString() {
            return index + " " + chain + " " + digest + " " + profile + " " + options + " " + name;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private byte[] chain = new byte[HASH_LENGTH];

    /** Extends the chain with one loaded program and returns its entry. */
    public synchronized Entry extend(String name, byte[] programBytes, String profile, String options) {
        byte[] digest = sha256(programBytes);
        chain = step(chain, digest, profile, options);
        Entry e = new Entry(entries.size(), name, hex(digest), profile, options, hex(chain));
        entries.add(e);
        return e;
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** The current chain value in hex (64 zeros before any load). */
    public synchronized String chain() {
        return hex(chain);
    }

    /** Recomputes the final chain value from entries, in their order, from the zero start value. */
    public static String replay(List<Entry> entries) {
        byte[] c = new byte[HASH_LENGTH];
        for (Entry e : entries) {
            c = step(c, HexFormat.of().parseHex(e.digest()), e.profile(), e.options());
        }
        return hex(c);
    }

    static byte[] step(byte[] previous, byte[] digest, String profile, String options) {
        MessageDigest md = newSha256();
        md.update(previous);
        md.update(digest);
        md.update(profile.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(options.getBytes(StandardCharsets.UTF_8));
        return md.digest();
    }

    public static byte[] sha256(byte[] data) {
        return newSha256().digest(data);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
