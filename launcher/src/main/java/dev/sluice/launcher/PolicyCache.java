package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Profile;
import dev.sluice.bpf.isa.Program;
import dev.sluice.bpf.verify.Verifier;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The compiled-policy cache of {@code check} and {@code exec} (docs/performance.md, "Command start-up"): a program
 * file that loaded successfully is kept as its verified classic BPF, so that the next run of the same file with the
 * same options needs no SCPL compile and, for {@code check}, no polyglot context.
 *
 * <p>An entry is found by the SHA-256 of its key: the Sluice version and build, the file name as given (it appears
 * in warnings), the SHA-256 of the file's bytes, profile, arch, input format and every polyglot option of the command
 * line. It holds the raw program, the warnings, the SHA-256 of each file an SCPL policy included, whether the bpf
 * language loaded the program under those options (what {@code check} adds to the kernel's rules), and a SHA-256 over
 * all of it. A hit is taken only when the digest matches, every included file still has its digest, the entry and its
 * directory belong to this user and nobody else can write them, and the program passes the kernel's verifier again;
 * anything else is a miss, and the file is loaded from scratch and the entry written anew. Only successes are kept:
 * every error is found and reported by a full load, as without the cache.
 *
 * <p>Off with {@code SLUICE_POLICY_CACHE=off}, and whenever a provenance flag is given (signatures and the measured
 * log apply to the full load). Location: {@code $XDG_CACHE_HOME/sluice/policies}, else {@code ~/.cache/sluice/policies}.
 */
final class PolicyCache {
    static final String ENV_SWITCH = "SLUICE_POLICY_CACHE";
    private static final String MAGIC = "sluice-policy-cache 1";
    private static final Set<PosixFilePermission> WRITABLE_BY_OTHERS =
            Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    /** Where the build's identity is (launcher/src/main/resources, filled in by Maven at each build). */
    private static final String BUILD_RESOURCE = "/dev/sluice/launcher/build-id";

    /** Overrides the location (the AOT training records the cache's paths in a directory of its own). */
    static volatile Path directoryOverride;

    private final Path dir;
    private final Map<String, String> polyglotOptions;

    private PolicyCache(Path dir, Map<String, String> polyglotOptions) {
        this.dir = dir;
        this.polyglotOptions = polyglotOptions;
    }

    /** The cache for this command, or null when it is off. */
    static PolicyCache forCommand(PolyglotOptions polyglot) {
        if ("off".equals(System.getenv(ENV_SWITCH)) || Provenance.inForce()) {
            return null;
        }
        Path dir = directoryOverride;
        if (dir == null) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            String home = System.getProperty("user.home");
            if (xdg != null && !xdg.isEmpty()) {
                dir = Path.of(xdg, "sluice", "policies");
            } else if (home != null && !home.isEmpty() && !home.equals("?")) {
                dir = Path.of(home, ".cache", "sluice", "policies");
            } else {
                return null;
            }
        }
        return new PolicyCache(dir, new TreeMap<>(polyglot.all()));
    }

    /** A program loaded through the cache; {@code loadedByLanguage} says whether the bpf language took it under these options. */
    record Loaded(LoadedProgram program, boolean loadedByLanguage, boolean hit, Entry entry) {}

    /** What an entry holds besides its key. */
    record Entry(
            String key,
            byte[] raw,
            List<String> warnings,
            Map<String, String> includeDigests,
            boolean loadedByLanguage) {}

    /**
     * Loads {@code path} as {@link LoadedProgram#load} would: through {@code cache} (null: off) when it holds a valid
     * entry, else from scratch.
     */
    static LoadedProgram load(PolicyCache cache, Path path, Profile profile, Arch arch, InputFormat format) {
        if (cache == null) {
            return LoadedProgram.load(path, profile, arch, format);
        }
        Loaded hit = cache.lookup(path, profile, arch, format, false);
        return hit != null
                ? hit.program()
                : cache.loadAndStore(path, profile, arch, format).program();
    }

    /**
     * The cached program of {@code path}, or null (a miss: no valid entry, or the file cannot be read; the full load
     * then reports what is wrong). {@code needsLanguageLoad}: only an entry the bpf language loaded under these
     * options counts ({@code check}).
     */
    Loaded lookup(Path path, Profile profile, Arch arch, InputFormat format, boolean needsLanguageLoad) {
        byte[] bytes;
        try {
            bytes = LoadedProgram.readFile(path);
        } catch (UserError e) {
            return null;
        }
        Entry entry = read(key(path, bytes, profile, arch, format));
        if (entry == null || (needsLanguageLoad && !entry.loadedByLanguage)) {
            return null;
        }
        Program program = reverify(entry.raw, profile, arch);
        if (program == null) {
            return null;
        }
        return new Loaded(
                new LoadedProgram(path.toString(), program, profile, arch, null, null, entry.warnings),
                entry.loadedByLanguage,
                true,
                entry);
    }

    /** Loads {@code path} from scratch, as {@link LoadedProgram#load} does, and writes its entry. */
    Loaded loadAndStore(Path path, Profile profile, Arch arch, InputFormat format) {
        byte[] bytes = LoadedProgram.readFile(path);
        Map<String, String> includeDigests = new TreeMap<>();
        IncludeResolver recording = (including, included) -> {
            IncludeResolver.Included file = IncludeResolver.FILES.read(including, included);
            includeDigests.put(file.name(), sha256Hex(file.text().getBytes(StandardCharsets.UTF_8)));
            return file;
        };
        LoadedProgram loaded = LoadedProgram.load(path, bytes, profile, arch, format, List.of(), recording);
        Entry fresh = new Entry(
                key(path, bytes, profile, arch, format), loaded.rawBytes(), loaded.warnings(), includeDigests, false);
        write(fresh);
        return new Loaded(loaded, false, false, fresh);
    }

    /** Records that the bpf language loaded the entry's program under the key's options (after check's load succeeded). */
    void languageLoaded(Entry entry) {
        if (!entry.loadedByLanguage) {
            write(new Entry(entry.key, entry.raw, entry.warnings, entry.includeDigests, true));
        }
    }

    private String key(Path path, byte[] bytes, Profile profile, Arch arch, InputFormat format) {
        StringBuilder k = new StringBuilder(MAGIC).append('\n');
        k.append("version ").append(dev.sluice.bpf.BpfLanguage.VERSION).append('\n');
        k.append("build ").append(buildId()).append('\n');
        k.append("file ").append(path).append('\n');
        k.append("sha256 ").append(sha256Hex(bytes)).append('\n');
        k.append("profile ").append(profile.id()).append('\n');
        k.append("arch ").append(arch.token()).append('\n');
        k.append("format ").append(format == null ? "null" : format.id()).append('\n');
        for (Map.Entry<String, String> o : polyglotOptions.entrySet()) {
            k.append("option ")
                    .append(o.getKey())
                    .append('=')
                    .append(o.getValue())
                    .append('\n');
        }
        return sha256Hex(k.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String buildId() {
        try (InputStream in = PolicyCache.class.getResourceAsStream(BUILD_RESOURCE)) {
            return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    Path entryFile(String key) {
        return dir.resolve(key);
    }

    /** The entry for {@code key}, or null if there is none or it fails any check. */
    private Entry read(String key) {
        Path file = entryFile(key);
        try {
            if (!ownedAndPrivate(dir) || !ownedAndPrivate(file)) {
                return null;
            }
            byte[] all = Files.readAllBytes(file);
            String text = new String(all, StandardCharsets.UTF_8);
            int digestLine = text.lastIndexOf("\ndigest ");
            if (digestLine < 0 || !text.endsWith("\n")) {
                return null;
            }
            String body = text.substring(0, digestLine + 1);
            String digest = text.substring(digestLine + "\ndigest ".length(), text.length() - 1);
            if (!MessageDigest.isEqual(
                    digest.getBytes(StandardCharsets.US_ASCII),
                    sha256Hex(body.getBytes(StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII))) {
                return null;
            }
            return parse(key, body);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or malformed: a miss, and the entry is written anew
        }
    }

    private static Entry parse(String key, String body) throws IOException {
        List<String> lines = body.lines().toList();
        if (lines.size() < 4 || !lines.get(0).equals(MAGIC) || !lines.get(1).equals("key " + key)) {
            return null;
        }
        boolean loadedByLanguage;
        switch (lines.get(2)) {
            case "language-loaded true" -> loadedByLanguage = true;
            case "language-loaded false" -> loadedByLanguage = false;
            default -> {
                return null;
            }
        }
        Map<String, String> includes = new TreeMap<>();
        List<String> warnings = new ArrayList<>();
        byte[] raw = null;
        for (String line : lines.subList(3, lines.size())) {
            String[] f = line.split(" ", -1);
            switch (f[0]) {
                case "include" -> includes.put(decode(f[2]), f[1]);
                case "warning" -> warnings.add(decode(f[1]));
                case "program" -> raw = HexFormat.of().parseHex(f[1]);
                default -> {
                    return null;
                }
            }
        }
        if (raw == null) {
            return null;
        }
        for (Map.Entry<String, String> inc : includes.entrySet()) {
            // An included file changed (or went away): the entry no longer describes what a compile would give.
            Path p = Path.of(inc.getKey());
            if (!Files.isRegularFile(p)
                    || !sha256Hex(new String(Files.readAllBytes(p), StandardCharsets.UTF_8)
                                    .getBytes(StandardCharsets.UTF_8))
                            .equals(inc.getValue())) {
                return null;
            }
        }
        return new Entry(key, raw, List.copyOf(warnings), includes, loadedByLanguage);
    }

    /** The kernel's rules again, on the cached bytes: a cache can never hand exec a program the verifier refuses. */
    private static Program reverify(byte[] raw, Profile profile, Arch arch) {
        try {
            Program program = RawFormat.decode(raw, arch.byteOrder());
            Verifier.verify(program, profile);
            return program;
        } catch (SluiceException e) {
            return null;
        }
    }

    private void write(Entry e) {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("key ").append(e.key).append('\n');
        b.append("language-loaded ").append(e.loadedByLanguage).append('\n');
        for (Map.Entry<String, String> inc : e.includeDigests.entrySet()) {
            b.append("include ")
                    .append(inc.getValue())
                    .append(' ')
                    .append(encode(inc.getKey()))
                    .append('\n');
        }
        for (String w : e.warnings) {
            b.append("warning ").append(encode(w)).append('\n');
        }
        b.append("program ").append(HexFormat.of().formatHex(e.raw)).append('\n');
        String digest = sha256Hex(b.toString().getBytes(StandardCharsets.UTF_8));
        b.append("digest ").append(digest).append('\n');
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir.getParent());
                Files.createDirectory(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!ownedAndPrivate(dir)) {
                return;
            }
            Path tmp = Files.createTempFile(
                    dir,
                    "entry",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(tmp, b);
                try {
                    Files.move(
                            tmp, entryFile(e.key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException unused) {
                    Files.move(tmp, entryFile(e.key), StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException ignored) {
            // The cache only saves time: a read-only or full disk must not fail the command.
        }
    }

    /** Not a link, owned by the user running sluice, writable by nobody else. */
    private static boolean ownedAndPrivate(Path p) throws IOException {
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink() || !a.owner().getName().equals(System.getProperty("user.name"))) {
            return false;
        }
        for (PosixFilePermission w : WRITABLE_BY_OTHERS) {
            if (a.permissions().contains(w)) {
                return false;
            }
        }
        return true;
    }

    private static String encode(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
    }

    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
