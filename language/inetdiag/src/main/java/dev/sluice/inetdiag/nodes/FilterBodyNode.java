package dev.sluice.inetdiag.nodes;

import static dev.sluice.inetdiag.isa.Ops.*;

import com.oracle.truffle.api.CompilerAsserts;
import com.oracle.truffle.api.CompilerDirectives.CompilationFinal;
import com.oracle.truffle.api.HostCompilerDirectives.BytecodeInterpreterSwitch;
import com.oracle.truffle.api.frame.VirtualFrame;
import com.oracle.truffle.api.instrumentation.GenerateWrapper;
import com.oracle.truffle.api.instrumentation.ProbeNode;
import com.oracle.truffle.api.nodes.ExplodeLoop;
import com.oracle.truffle.api.nodes.ExplodeLoop.LoopExplosionKind;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.core.tools.InstrumentableBody;
import dev.sluice.inetdiag.lower.LoweredFilter;
import dev.sluice.inetdiag.runtime.SocketEntry;

/**
 * Runs a checked filter over one socket: the kernel's {@code inet_diag_bc_run}. The dispatch loop is exploded with
 * MERGE_EXPLODE; the op number is a partial-evaluation constant and every jump goes forward, so each filter compiles
 * to straight-line code of at most one copy per op.
 */
@GenerateWrapper
public class FilterBodyNode extends InstrumentableBody {
    private final OpListing listing;

    @Child
    private OpProbes probes;

    @CompilationFinal(dimensions = 1)
    private final int[] codes;

    @CompilationFinal(dimensions = 1)
    private final int[] yesTargets;

    @CompilationFinal(dimensions = 1)
    private final int[] noTargets;

    @CompilationFinal(dimensions = 1)
    private final int[] ports;

    @CompilationFinal(dimensions = 1)
    private final int[] families;

    @CompilationFinal(dimensions = 1)
    private final int[] prefixes;

    @CompilationFinal(dimensions = 1)
    private final int[] values;

    @CompilationFinal(dimensions = 1)
    private final int[] masks;

    @CompilationFinal(dimensions = 2)
    private final int[][] addresses;

    @CompilationFinal(dimensions = 1)
    private final long[] cgroups;

    private final int accept;

    public FilterBodyNode(LoweredFilter f, OpListing listing) {
        this.listing = listing;
        this.codes = f.codes();
        this.yesTargets = f.yesTargets();
        this.noTargets = f.noTargets();
        this.ports = f.ports();
        this.families = f.families();
        this.prefixes = f.prefixes();
        this.values = f.values();
        this.masks = f.masks();
        this.addresses = f.addresses();
        this.cgroups = f.cgroups();
        this.accept = f.accept();
    }

    /** For the generated wrapper. */
    protected FilterBodyNode(FilterBodyNode copy) {
        this.listing = copy.listing;
        this.codes = copy.codes;
        this.yesTargets = copy.yesTargets;
        this.noTargets = copy.noTargets;
        this.ports = copy.ports;
        this.families = copy.families;
        this.prefixes = copy.prefixes;
        this.values = copy.values;
        this.masks = copy.masks;
        this.addresses = copy.addresses;
        this.cgroups = copy.cgroups;
        this.accept = copy.accept;
    }

    @ExplodeLoop(kind = LoopExplosionKind.MERGE_EXPLODE)
    @BytecodeInterpreterSwitch
    public boolean execute(VirtualFrame frame, SocketEntry entry) {
        int pc = 0;
        while (pc < accept) {
            CompilerAsserts.partialEvaluationConstant(pc);
            boolean yes = switch (codes[pc]) {
                case NOP -> true;
                case JMP -> false;
                case S_EQ -> entry.sport == ports[pc];
                case S_GE -> entry.sport >= ports[pc];
                case S_LE -> entry.sport <= ports[pc];
                case D_EQ -> entry.dport == ports[pc];
                case D_GE -> entry.dport >= ports[pc];
                case D_LE -> entry.dport <= ports[pc];
                case AUTO -> entry.autobound;
                case S_COND -> hostMatches(entry, entry.sport, entry.src, pc);
                case D_COND -> hostMatches(entry, entry.dport, entry.dst, pc);
                case DEV_COND -> entry.ifindex == values[pc];
                case MARK_COND -> (entry.mark & masks[pc]) == values[pc];
                case CGROUP_COND -> entry.cgroupId == cgroups[pc];
                // The checker admits no other code.
                default -> false;
            };
            if (probes != null) {
                yes = probes.report(frame, pc, yes);
            }
            pc = yes ? yesTargets[pc] : noTargets[pc];
        }
        return pc == accept;
    }

    /** The kernel's S_COND/D_COND case: port (-1 = any), then family (IPv4 also matches v4-mapped IPv6), then prefix. */
    private boolean hostMatches(SocketEntry entry, int entryPort, int[] addr, int pc) {
        int port = ports[pc];
        if (port != -1 && port != entryPort) {
            return false;
        }
        int family = families[pc];
        int prefix = prefixes[pc];
        int[] cond = addresses[pc];
        if (family != AF_UNSPEC && family != entry.family) {
            if (entry.family == AF_INET6 && family == AF_INET) {
                return addr[0] == 0 && addr[1] == 0 && addr[2] == 0xffff && prefixMatches(addr, 3, cond, prefix);
            }
            return false;
        }
        return prefix == 0 || prefixMatches(addr, 0, cond, prefix);
    }

    /** The kernel's bitstring_match: the first {@code bits} bits of {@code a} from word {@code from} equal {@code cond}'s. */
    @ExplodeLoop
    private static boolean prefixMatches(int[] a, int from, int[] cond, int bits) {
        int words = bits >>> 5;
        for (int w = 0; w < words; w++) {
            if (a[from + w] != cond[w]) {
                return false;
            }
        }
        int rest = bits & 31;
        if (rest != 0) {
            int mask = -1 << (32 - rest);
            return ((a[from + words] ^ cond[words]) & mask) == 0;
        }
        return true;
    }

    @Override
    public boolean isInstrumentable() {
        return listing != null;
    }

    @Override
    protected SourceSection bodySection() {
        return listing == null ? null : listing.program();
    }

    @Override
    public WrapperNode createWrapper(ProbeNode probe) {
        return new FilterBodyNodeWrapper(this, this, probe);
    }

    @Override
    protected boolean hasStatements() {
        return probes != null;
    }

    @Override
    protected void addStatements() {
        probes = insert(new OpProbes(listing, codes.length));
        notifyInserted(probes);
    }
}
