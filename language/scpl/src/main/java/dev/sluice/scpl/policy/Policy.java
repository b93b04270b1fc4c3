package dev.sluice.scpl.policy;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompData;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checked SCPL policy and its reference meaning in plain Java (the Truffle nodes in {@code nodes} implement the
 * same meaning and share {@link Cond}). Meaning: the arch field selects a target ABI (on x86_64's audit value an nr at or
 * above 0x40000000 picks x32, below it x86_64); no target ABI gives the bad-arch action; otherwise the first rule that names the
 * syscall number and whose condition holds gives its action, and if none does, the default action applies.
 */
public final class Policy {
    private final List<Arch> arches;
    private final Action defaultAction;
    private final Action badArchAction;
    private final List<Rule> rules;
    private final List<String> warnings;
    private final Map<Arch, Map<Integer, Rule[]>> index = new EnumMap<>(Arch.class);

    public Policy(
            List<Arch> arches, Action defaultAction, Action badArchAction, List<Rule> rules, List<String> warnings) {
        this.arches = List.copyOf(arches);
        this.defaultAction = defaultAction;
        this.badArchAction = badArchAction;
        this.rules = List.copyOf(rules);
        this.warnings = List.copyOf(warnings);
        for (Arch a : arches) {
            Map<Integer, List<Rule>> byNr = new HashMap<>();
            for (Rule r : rules) {
                for (int nr : r.numbers().getOrDefault(a, new int[0])) {
                    byNr.computeIfAbsent(nr, k -> new ArrayList<>()).add(r);
                }
            }
            Map<Integer, Rule[]> frozen = new HashMap<>();
            byNr.forEach((k, v) -> frozen.put(k, v.toArray(new Rule[0])));
            index.put(a, frozen);
        }
    }

    public List<Arch> arches() {
        return arches;
    }

    public Action defaultAction() {
        return defaultAction;
    }

    public Action badArchAction() {
        return badArchAction;
    }

    public List<Rule> rules() {
        return rules;
    }

    public List<String> warnings() {
        return warnings;
    }

    /** The target ABI a (audit arch, nr) pair runs under, or null if the policy does not target it. */
    public Arch abiFor(int auditArch, int nr) {
        Arch only = null;
        for (Arch a : arches) {
            if (a.auditArch() != auditArch) {
                continue;
            }
            if (a == Arch.X86_64 || a == Arch.X32) {
                boolean x32Number = isX32Range(nr);
                if ((a == Arch.X32) == x32Number) {
                    return a;
                }
                continue;
            }
            only = a;
        }
        return only;
    }

    /**
     * On x86_64's audit value, an nr at or above 0x40000000 (unsigned) belongs to the x32 ABI, as libseccomp's
     * filters treat it; so 0x80000000 and -1 are x32-range numbers too.
     */
    public static boolean isX32Range(int nr) {
        return Integer.compareUnsigned(nr, Arch.X32_SYSCALL_BIT) >= 0;
    }

    /** The rules naming {@code nr} on {@code abi}, in policy order (empty if none). */
    public Rule[] rulesFor(Arch abi, int nr) {
        Rule[] r = index.getOrDefault(abi, Map.of()).get(nr);
        return r == null ? new Rule[0] : r;
    }

    /** The verdict for a 64-byte struct seccomp_data in the byte order of {@code byteOrderOf}. */
    public Decision decide(Arch byteOrderOf, byte[] seccompData) {
        if (seccompData.length != SeccompData.SIZE) {
            throw SluiceException.create(CoreFailure.SECCOMP_INPUT_SIZE, seccompData.length);
        }
        ByteBuffer b = ByteBuffer.wrap(seccompData).order(byteOrderOf.byteOrder());
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = b.getLong(16 + 8 * i);
        }
        return decide(b.getInt(4), b.getInt(0), args);
    }

    public Decision decide(int auditArch, int nr, long[] args) {
        Arch abi = abiFor(auditArch, nr);
        if (abi == null) {
            return new Decision(
                    badArchAction.encode(),
                    null,
                    String.format("arch 0x%08x, nr %d is not a target ABI: bad_arch_action", auditArch, nr));
        }
        for (Rule r : rulesFor(abi, nr)) {
            if (r.condition() == null || r.condition().test(args)) {
                return new Decision(r.action().encode(), r, "rule at " + r.where());
            }
        }
        return new Decision(defaultAction.encode(), null, "no rule matches: default_action");
    }

    /** Resolves {@code include "path"} relative to the including file. */
    @FunctionalInterface
    public interface IncludeResolver {
        /** Returns the canonical name and text of the included file; throws IOException if it cannot be read. */
        Included read(String includingFile, String path) throws java.io.IOException;

        record Included(String name, String text) {}

        /** Reads a top-level file by name through this resolver (for in-memory sets of files). */
        default String readUnchecked(String name) {
            try {
                return read(null, name).text();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** Reads files relative to the including file's directory. */
        IncludeResolver FILES = (including, path) -> {
            java.nio.file.Path base = including == null
                    ? null
                    : java.nio.file.Path.of(including).toAbsolutePath().getParent();
            java.nio.file.Path p = base == null ? java.nio.file.Path.of(path) : base.resolve(path);
            p = p.toAbsolutePath().normalize();
            return new Included(p.toString(), java.nio.file.Files.readString(p));
        };

        /** Refuses every include. */
        IncludeResolver NONE = (including, path) -> {
            throw new java.io.IOException("includes are not available here");
        };

        /** Includes from an in-memory map of name to text, names resolved relative to the includer's directory. */
        static IncludeResolver of(Map<String, String> files) {
            Map<String, String> copy = Collections.unmodifiableMap(new HashMap<>(files));
            return (including, path) -> {
                String dir = including == null || !including.contains("/")
                        ? ""
                        : including.substring(0, including.lastIndexOf('/') + 1);
                String name = java.nio.file.Path.of(dir + path).normalize().toString();
                String text = copy.get(name);
                if (text == null) {
                    throw new java.io.IOException("no such file " + name);
                }
                return new Included(name, text);
            };
        }
    }
}
