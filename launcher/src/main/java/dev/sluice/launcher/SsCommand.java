package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.isa.Ops;
import dev.sluice.inetdiag.kernel.DiagSocket;
import dev.sluice.inetdiag.kernel.SockDiag;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.runtime.SocketEntry;
import dev.sluice.inetdiag.runtime.SocketRecord;
import dev.sluice.inetdiag.verify.Audit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice ss [FILTER]}: this machine's TCP and UDP sockets (NETLINK_SOCK_DIAG, unfiltered), selected by the
 * filter run in Sluice, printed with the columns of {@code ss -tuan}. With {@code --kernel} the bytecode goes to the
 * kernel (INET_DIAG_REQ_BYTECODE) and the kernel selects; both must list the same sockets.
 */
@Command(
        name = "ss",
        mixinStandardHelpOptions = true,
        description = {
            "List TCP and UDP sockets selected by an INET-DIAG filter, as ss -tuan does.",
            "FILTER is ss's syntax: [state STATE | exclude STATE]... then an expression (sport = :ssh, dport >= :1024, src 10.0.0.0/8,",
            "dst [::1]:443, dev lo, fwmark 0x10/0xff, autobound, and, or, not, parentheses); Sluice compiles the expression as ss does,",
            "checks it with the kernel's rules and runs it. STATE: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait,",
            "closed, close-wait, last-ack, listening, closing, or all, connected, synchronized, bucket, big."
        })
final class SsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(
            arity = "0..*",
            paramLabel = "FILTER",
            description = "The filter, in one or several words (default: every socket).")
    List<String> words = new ArrayList<>();

    @Option(
            names = "--kernel",
            description =
                    "Send the bytecode to the kernel and list what it returns, instead of running the filter in Sluice.")
    boolean kernel;

    @Option(names = "--bytecode", description = "Print the compiled bytecode (disassembled) instead of the sockets.")
    boolean bytecode;

    private static final String[] STATES = {
        "UNKNOWN",
        "ESTAB",
        "SYN-SENT",
        "SYN-RECV",
        "FIN-WAIT-1",
        "FIN-WAIT-2",
        "TIME-WAIT",
        "UNCONN",
        "CLOSE-WAIT",
        "LAST-ACK",
        "LISTEN",
        "CLOSING",
        "NEW-SYN-RECV"
    };

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        StateFilter states = StateFilter.take(words);
        String filter = String.join(" ", words.subList(states.wordsUsed(), words.size()));
        boolean netAdmin = InetDiagCommands.netAdmin(main.polyglot);
        byte[] bc = null;
        if (!filter.isBlank()) {
            try {
                bc = FilterCompiler.compile(filter, "filter");
                Audit.check(bc, netAdmin);
            } catch (SluiceException e) {
                throw UserError.invalid(InetDiagCommands.render(e, "filter", filter));
            }
        }
        if (bytecode) {
            out.print(
                    bc == null
                            ? "(no filter: every socket)\n"
                            : dev.sluice.inetdiag.formats.Disassembler.disassemble(bc));
            return Main.OK;
        }
        if (!SockDiag.SUPPORTED) {
            throw UserError.invalid("sluice ss: NETLINK_SOCK_DIAG needs Linux on x86_64 or aarch64");
        }
        List<DiagSocket> selected = new ArrayList<>();
        try {
            if (kernel || bc == null) {
                selected.addAll(SockDiag.dumpAll(bc));
            } else {
                // The dump does not carry the sockets' user locks: ask the kernel's AUTO condition only when the filter
                // uses it.
                Set<Long> autobound = usesAuto(bc) ? SockDiag.autoboundInodes() : Set.of();
                try (Context context =
                        main.polyglot.newInetDiagContext(Map.of("inetdiag.NetAdmin", Boolean.toString(netAdmin)))) {
                    Value f = context.eval(Source.newBuilder("inetdiag", filter, "filter")
                            .mimeType("text/x-ss-filter")
                            .buildLiteral());
                    for (DiagSocket s : SockDiag.dumpAll(null)) {
                        if (f.execute(SocketRecord.encode(s.entry(autobound.contains(s.inode()))))
                                .asBoolean()) {
                            selected.add(s);
                        }
                    }
                }
            }
        } catch (SockDiag.KernelRefusal e) {
            throw UserError.invalid("sluice ss: the kernel refused the request: " + e.getMessage());
        }
        selected.removeIf(s -> !states.admits(s.state()));
        // ss lists UDP before TCP.
        List<DiagSocket> ordered = new ArrayList<>(selected.stream()
                .filter(s -> s.protocol() == DiagSocket.IPPROTO_UDP)
                .toList());
        ordered.addAll(selected.stream()
                .filter(s -> s.protocol() == DiagSocket.IPPROTO_TCP)
                .toList());
        // ss leaves the State column out when the filter admits a single state.
        print(ordered, Integer.bitCount(states.mask()) != 1, out);
        return Main.OK;
    }

    private static boolean usesAuto(byte[] bc) {
        for (int at = 0; at < bc.length; at += Ops.u8(bc, at + 1)) {
            if (Ops.u8(bc, at) == Ops.AUTO) {
                return true;
            }
        }
        return false;
    }

    /** The columns of ss -tuan: Netid, State (unless left out), Recv-Q, Send-Q, Local Address:Port, Peer Address:Port. */
    static void print(List<DiagSocket> sockets, boolean showState, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"Netid", "State", "Recv-Q", "Send-Q", "Local Address", "Port", "Peer Address", "Port"});
        for (DiagSocket s : sockets) {
            String state = s.state() < STATES.length ? STATES[s.state()] : "UNKNOWN";
            String local = address(s.src(), s.family(), s.ifindex(), s.v6only());
            String peer = address(s.dst(), s.family(), 0, s.v6only());
            rows.add(new String[] {
                s.protocol() == DiagSocket.IPPROTO_TCP ? "tcp" : "udp",
                state,
                Integer.toUnsignedString(s.rqueue()),
                Integer.toUnsignedString(s.wqueue()),
                local,
                s.sport() == 0 ? "*" : Integer.toString(s.sport()),
                peer,
                s.dport() == 0 ? "*" : Integer.toString(s.dport())
            });
        }
        int[] w = new int[8];
        for (String[] r : rows) {
            for (int i = 0; i < 8; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        String state = showState ? "%-" + w[1] + "s " : "";
        String format = "%-" + w[0] + "s " + state + "%-" + w[2] + "s %-" + w[3] + "s %" + w[4] + "s:%-" + w[5] + "s %"
                + w[6] + "s:%-" + w[7] + "s";
        for (String[] r : rows) {
            Object[] cells = showState ? r : new Object[] {r[0], r[2], r[3], r[4], r[5], r[6], r[7]};
            out.println(String.format(Locale.ROOT, format, cells).stripTrailing());
        }
    }

    /** As ss prints addresses: IPv6 in brackets, the IPv6 wildcard as [::] (v6only) or * (dual-stack), %device when bound. */
    private static String address(int[] words, int family, int ifindex, boolean v6only) {
        boolean any = words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0;
        String a;
        if (family == Ops.AF_INET6) {
            a = any ? (v6only ? "[::]" : "*") : "[" + SocketEntry.addressText(words, family) + "]";
        } else {
            a = SocketEntry.addressText(words, family);
        }
        return ifindex != 0 ? a + "%" + interfaceName(ifindex) : a;
    }

    private static String interfaceName(int ifindex) {
        try (var dirs = java.nio.file.Files.list(java.nio.file.Path.of("/sys/class/net"))) {
            for (java.nio.file.Path d : (Iterable<java.nio.file.Path>) dirs::iterator) {
                java.nio.file.Path f = d.resolve("ifindex");
                if (java.nio.file.Files.isReadable(f)
                        && java.nio.file.Files.readString(f).trim().equals(Integer.toString(ifindex))) {
                    return d.getFileName().toString();
                }
            }
        } catch (java.io.IOException e) {
            // falls back to the number
        }
        return Integer.toString(ifindex);
    }
}
