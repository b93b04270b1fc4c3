package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.formats.Disassembler;
import dev.sluice.inetdiag.parse.FilterCompiler;
import dev.sluice.inetdiag.trace.OpTrace;
import dev.sluice.inetdiag.trace.OpTraceInstrument;
import dev.sluice.inetdiag.verify.Audit;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The subcommands with {@code --lang inetdiag}: a file is raw INET-DIAG bytecode, or (when it is text) a filter in
 * ss's syntax. Errors are located: {@code FILE:LINE:COL: reason} with the line and a caret for text,
 * {@code FILE: op at byte N: reason} for bytecode.
 */
final class InetDiagCommands {
    private InetDiagCommands() {}

    /** A file read and compiled (text) or taken as it is (bytes); not yet checked. */
    record Loaded(String name, byte[] bytecode, String text) {}

    static Loaded load(Path path) {
        byte[] bytes = LoadedProgram.readFile(path);
        String name = path.toString();
        if (EbpfCommands.looksLikeText(bytes)) {
            String text = new String(bytes, StandardCharsets.UTF_8);
            try {
                return new Loaded(name, FilterCompiler.compile(text, name), text);
            } catch (SluiceException e) {
                throw UserError.invalid(render(e, name, text));
            }
        }
        return new Loaded(name, bytes, null);
    }

    /** The kernel checks MARK_COND against the requester's CAP_NET_ADMIN; Sluice takes root as having it unless told. */
    static boolean netAdmin(PolyglotOptions polyglot) {
        String given = polyglot.get("inetdiag.NetAdmin");
        return given != null ? Boolean.parseBoolean(given) : "root".equals(System.getProperty("user.name"));
    }

    static void audit(Loaded loaded, boolean netAdmin) {
        try {
            Audit.check(loaded.bytecode(), netAdmin);
        } catch (SluiceException e) {
            throw UserError.invalid(loaded.name() + ": " + e.detail());
        }
    }

    static int check(List<Path> files, PolyglotOptions polyglot, PrintWriter out, PrintWriter err) {
        int status = Main.OK;
        boolean netAdmin = netAdmin(polyglot);
        try (Context context = polyglot.newInetDiagContext(Map.of("inetdiag.NetAdmin", Boolean.toString(netAdmin)))) {
            for (Path f : files) {
                try {
                    Loaded loaded = load(f);
                    audit(loaded, netAdmin);
                    // The same load embedders get: the language checks again before it gives a filter.
                    eval(context, loaded);
                    out.println(f + ": ok (" + loaded.bytecode().length + " bytes, "
                            + Disassembler.disassemble(loaded.bytecode())
                                    .lines()
                                    .count() + " ops)");
                } catch (UserError e) {
                    out.flush();
                    err.println(e.getMessage());
                    status = Math.max(status, e.exitCode());
                }
            }
        }
        return status;
    }

    static org.graalvm.polyglot.Value eval(Context context, Loaded loaded) {
        try {
            return context.eval(Source.newBuilder("inetdiag", ByteSequence.create(loaded.bytecode()), loaded.name())
                    .buildLiteral());
        } catch (PolyglotException e) {
            if (e.isSyntaxError()) {
                throw UserError.invalid(loaded.name() + ": " + e.getMessage());
            }
            throw e;
        }
    }

    static String disassemble(Path file, PolyglotOptions polyglot) {
        Loaded loaded = load(file);
        audit(loaded, netAdmin(polyglot));
        return Disassembler.disassemble(loaded.bytecode());
    }

    /** Runs the filter on each socket, as an embedder would, and prints whether it selects it. */
    static int run(Path file, List<SocketSpec> sockets, PolyglotOptions polyglot, PrintWriter out) {
        Loaded loaded = load(file);
        boolean netAdmin = netAdmin(polyglot);
        audit(loaded, netAdmin);
        try (Context context = polyglot.newInetDiagContext(Map.of("inetdiag.NetAdmin", Boolean.toString(netAdmin)))) {
            org.graalvm.polyglot.Value filter = eval(context, loaded);
            for (SocketSpec socket : sockets) {
                out.println(socket.text() + ": "
                        + (filter.execute((Object) socket.record()).asBoolean() ? "selected" : "not selected"));
            }
        }
        return Main.OK;
    }

    /**
     * For each socket: whether the filter selects it, and the ops it ran with the branch each took, as the op trace
     * instrument saw the interpreter run them (the ops are those of {@code disasm}).
     */
    static int explain(Path file, List<SocketSpec> sockets, PolyglotOptions polyglot, PrintWriter out) {
        Loaded loaded = load(file);
        boolean netAdmin = netAdmin(polyglot);
        audit(loaded, netAdmin);
        try (Context context = polyglot.newInetDiagContext(Map.of("inetdiag.NetAdmin", Boolean.toString(netAdmin)))) {
            OpTrace trace = context.getEngine()
                    .getInstruments()
                    .get(OpTraceInstrument.ID)
                    .lookup(OpTrace.class);
            org.graalvm.polyglot.Value filter = eval(context, loaded);
            for (int i = 0; i < sockets.size(); i++) {
                SocketSpec socket = sockets.get(i);
                trace.start();
                boolean selected;
                try {
                    selected = filter.execute((Object) socket.record()).asBoolean();
                } finally {
                    trace.stop();
                }
                if (i > 0) {
                    out.println();
                }
                out.println(socket.text() + ": " + (selected ? "selected" : "not selected"));
                for (OpTrace.Step step : trace.steps()) {
                    out.println("  " + step.op() + "   -> " + (step.yes() ? "yes" : "no"));
                }
            }
        }
        return Main.OK;
    }

    static String render(SluiceException e, String name, String text) {
        if (e.line() <= 0) {
            return name + ": " + e.detail();
        }
        return name + ":" + e.line() + ":" + e.column() + ": " + e.detail() + "\n"
                + FilterCompiler.caret(text, e.line(), e.column());
    }
}
