package dev.sluice.inetdiag.parse;

import static dev.sluice.inetdiag.isa.Ops.*;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import dev.sluice.inetdiag.runtime.InetDiagFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Compiles a filter in {@code ss}'s syntax to INET-DIAG bytecode, byte for byte as iproute2's {@code ss} compiles
 * it (checked against the requests {@code ss} sends, see the tests). Each fragment falls through to its end when
 * true and jumps 4 bytes past its end when false; {@code and} relocates the left side's false exits past the right
 * side, {@code or} puts a JMP to the end between the sides, {@code not} appends a JMP that turns the fall-through
 * into a false exit.
 *
 * <p>Grammar (as ss parses it: {@code and}, {@code or} and juxtaposition have the same precedence and group from the
 * left; {@code not} applies to the next term):
 *
 * <pre>
 * filter := [ term { [ and | && | & | or | || | '|' ] term } ]
 * term   := ( not | ! ) term | '(' filter ')' | pred
 * pred   := (src | dst) [ = | == | eq | != | neq ] HOST
 *         | (sport | dport) [ = | == | eq | != | neq | >= | ge | <= | le | > | gt | < | lt ] PORT
 *         | dev [ = | == | eq | != | neq ] (NAME | INDEX)
 *         | fwmark [ = | == | eq | != | neq ] MARK[/MASK]
 *         | cgroup [ = | == | eq | != | neq ] PATH
 *         | autobound
 * HOST   := ADDR[/PREFIX][:PORT] | [IPV6[/PREFIX]][:PORT] | *[:PORT] | [*][:PORT] | :PORT
 * PORT   := number | service name (/etc/services) | *
 * </pre>
 */
public final class FilterCompiler {
    private FilterCompiler() {}

    /** Compiles {@code text}; an empty filter selects every socket and compiles to one NOP. */
    public static byte[] compile(String text, String sourceName) {
        Parser p = new Parser(text, sourceName);
        Node tree = p.parseFilter();
        if (tree == null) {
            return new byte[] {NOP, 4, 0, 0};
        }
        byte[] bc = emit(tree, p);
        if (bc.length > MAX_LENGTH) {
            throw p.error(
                    1,
                    1,
                    "the filter compiles to " + bc.length
                            + " bytes, more than an INET_DIAG_REQ_BYTECODE attribute holds (" + MAX_LENGTH + ")");
        }
        return bc;
    }

    /** The line of {@code text} at 1-based {@code line} with a caret under {@code column}. */
    public static String caret(String text, int line, int column) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length) {
            return "";
        }
        String l = lines[line - 1];
        return l + "\n" + " ".repeat(Math.max(0, Math.min(column - 1, l.length()))) + "^";
    }

    // --- Syntax tree ---

    sealed interface Node permits And, Or, Not, Host, PortCmp, Auto, Dev, Cgroup, Mark {}

    record And(Node left, Node right) implements Node {}

    record Or(Node left, Node right) implements Node {}

    record Not(Node operand) implements Node {}

    /** S_COND / D_COND; address holds 4 bytes (16 for AF_INET6). */
    record Host(int code, int family, int prefix, int port, byte[] address) implements Node {}

    /** S_GE, S_LE, D_GE, D_LE. */
    record PortCmp(int code, int port) implements Node {}

    record Auto() implements Node {}

    record Cgroup(long id) implements Node {}

    record Dev(int ifindex) implements Node {}

    record Mark(int mark, int mask) implements Node {}

    // --- Code generation (ss's ssfilter_bytecompile) ---

    private static byte[] emit(Node n, Parser p) {
        return switch (n) {
            case Auto a -> op(AUTO, 4, 8);
            case Host h -> {
                int alen = h.family() == AF_INET6 ? 16 : 4;
                int oplen = OP_SIZE + HOSTCOND_SIZE + alen;
                byte[] b = new byte[oplen];
                putOp(b, 0, h.code(), oplen, oplen + 4);
                b[4] = (byte) h.family();
                b[5] = (byte) h.prefix();
                putS32(b, 8, h.port());
                System.arraycopy(h.address(), 0, b, 12, alen);
                yield b;
            }
            case PortCmp c -> {
                byte[] b = new byte[8];
                putOp(b, 0, c.code(), 8, 12);
                putOp(b, 4, 0, 0, c.port() & 0xffff);
                yield b;
            }
            case Dev d -> {
                byte[] b = new byte[8];
                putOp(b, 0, DEV_COND, 8, 12);
                putS32(b, 4, d.ifindex());
                yield b;
            }
            case Cgroup g -> {
                byte[] b = new byte[12];
                putOp(b, 0, CGROUP_COND, 12, 16);
                putS64(b, 4, g.id());
                yield b;
            }
            case Mark m -> {
                byte[] b = new byte[12];
                putOp(b, 0, MARK_COND, 12, 16);
                putS32(b, 4, m.mark());
                putS32(b, 8, m.mask());
                yield b;
            }
            case And a -> {
                byte[] l = emit(a.left(), p);
                byte[] r = emit(a.right(), p);
                byte[] b = new byte[l.length + r.length];
                System.arraycopy(l, 0, b, 0, l.length);
                System.arraycopy(r, 0, b, l.length, r.length);
                relocateFalseExits(b, l.length, r.length, p);
                yield b;
            }
            case Or o -> {
                byte[] l = emit(o.left(), p);
                byte[] r = emit(o.right(), p);
                byte[] b = new byte[l.length + 4 + r.length];
                System.arraycopy(l, 0, b, 0, l.length);
                putOp(b, l.length, JMP, 4, checkedDistance(r.length + 4, p));
                System.arraycopy(r, 0, b, l.length + 4, r.length);
                yield b;
            }
            case Not x -> {
                byte[] l = emit(x.operand(), p);
                byte[] b = new byte[l.length + 4];
                System.arraycopy(l, 0, b, 0, l.length);
                putOp(b, l.length, JMP, 4, 8);
                yield b;
            }
        };
    }

    /** ss's ssfilter_patch: the ops of the left side's yes chain whose 'no' is its false exit jump {@code reloc} further. */
    private static void relocateFalseExits(byte[] b, int len, int reloc, Parser p) {
        int at = 0;
        while (len > 0) {
            int no = u16(b, at + 2);
            if (no == len + 4) {
                putU16(b, at + 2, checkedDistance(no + reloc, p));
            }
            int yes = u8(b, at + 1);
            len -= yes;
            at += yes;
        }
    }

    private static int checkedDistance(int distance, Parser p) {
        if (distance > 0xffff) {
            throw p.error(
                    1,
                    1,
                    "the filter is too large: a jump of " + distance + " bytes does not fit the 16-bit 'no' field");
        }
        return distance;
    }

    private static byte[] op(int code, int yes, int no) {
        byte[] b = new byte[4];
        putOp(b, 0, code, yes, no);
        return b;
    }

    private static void putOp(byte[] b, int at, int code, int yes, int no) {
        b[at] = (byte) code;
        b[at + 1] = (byte) yes;
        putU16(b, at + 2, no);
    }

    // --- Lexer and parser ---

    private record Token(String text, int line, int column) {}

    static final class Parser {
        private final String sourceName;
        private final List<Token> tokens = new ArrayList<>();
        private final Token endToken;
        private int pos;

        Parser(String text, String sourceName) {
            this.sourceName = sourceName;
            int line = 1;
            int col = 1;
            int i = 0;
            while (i < text.length()) {
                char c = text.charAt(i);
                if (c == '\n') {
                    line++;
                    col = 1;
                    i++;
                    continue;
                }
                if (Character.isWhitespace(c)) {
                    i++;
                    col++;
                    continue;
                }
                if (c == '#') {
                    // A comment runs to the end of the line (filter files).
                    while (i < text.length() && text.charAt(i) != '\n') {
                        i++;
                    }
                    continue;
                }
                int start = i;
                if (c == '(' || c == ')') {
                    i++;
                } else if ("=!<>&|".indexOf(c) >= 0) {
                    i++;
                    if (i < text.length() && (text.charAt(i) == '=' || (c == '&' || c == '|') && text.charAt(i) == c)) {
                        i++;
                    }
                } else {
                    while (i < text.length()
                            && !Character.isWhitespace(text.charAt(i))
                            && "()=!<>&|#".indexOf(text.charAt(i)) < 0) {
                        i++;
                    }
                }
                tokens.add(new Token(text.substring(start, i), line, col));
                col += i - start;
            }
            endToken = new Token("", line, col);
        }

        SluiceException error(int line, int column, String message) {
            return SluiceException.atPosition(sourceName, line, column, InetDiagFailure.FILTER_SYNTAX, message);
        }

        SluiceException error(Token t, String message) {
            return error(t.line(), t.column(), message);
        }

        private Token peek() {
            return pos < tokens.size() ? tokens.get(pos) : endToken;
        }

        private boolean atEnd() {
            return pos >= tokens.size();
        }

        private Token next() {
            Token t = peek();
            if (!atEnd()) {
                pos++;
            }
            return t;
        }

        private static String lower(Token t) {
            return t.text().toLowerCase(Locale.ROOT);
        }

        Node parseFilter() {
            if (atEnd()) {
                return null;
            }
            Node n = parseList();
            if (!atEnd()) {
                throw error(
                        peek(),
                        "unexpected '" + Words.clip(peek().text()) + "'"
                                + (peek().text().equals(")") ? " (no '(' to close)" : ""));
            }
            return n;
        }

        private Node parseList() {
            Node left = parseTerm();
            while (!atEnd() && !peek().text().equals(")")) {
                String w = lower(peek());
                boolean or = false;
                if (w.equals("and") || w.equals("&&") || w.equals("&")) {
                    next();
                } else if (w.equals("or") || w.equals("||") || w.equals("|")) {
                    next();
                    or = true;
                }
                if (atEnd() || peek().text().equals(")")) {
                    throw error(
                            peek(),
                            "expected a condition after '"
                                    + Words.clip(tokens.get(pos - 1).text()) + "'");
                }
                Node right = parseTerm();
                left = or ? new Or(left, right) : new And(left, right);
            }
            return left;
        }

        private Node parseTerm() {
            Token t = next();
            String w = lower(t);
            switch (w) {
                case "not", "!" -> {
                    if (atEnd()) {
                        throw error(peek(), "expected a condition after '" + Words.clip(t.text()) + "'");
                    }
                    return new Not(parseTerm());
                }
                case "(" -> {
                    if (peek().text().equals(")")) {
                        throw error(peek(), "empty parentheses");
                    }
                    Node n = parseList();
                    Token close = next();
                    if (!close.text().equals(")")) {
                        throw error(close, "expected ')' to close the '(' at " + t.line() + ":" + t.column());
                    }
                    return n;
                }
                case "autobound" -> {
                    return new Auto();
                }
                case "src", "dst" -> {
                    boolean negate = relation(t, false) == Rel.NE;
                    Node n = host(w.equals("src") ? S_COND : D_COND, valueToken(t));
                    return negate ? new Not(n) : n;
                }
                case "sport", "dport" -> {
                    Rel rel = relation(t, true);
                    boolean src = w.equals("sport");
                    Token v = valueToken(t);
                    int port = portOf(v, portText(v));
                    return switch (rel) {
                        case EQ -> new Host(src ? S_COND : D_COND, AF_UNSPEC, 0, port, new byte[4]);
                        case NE -> new Not(new Host(src ? S_COND : D_COND, AF_UNSPEC, 0, port, new byte[4]));
                        case GE -> new PortCmp(src ? S_GE : D_GE, port);
                        case LE -> new PortCmp(src ? S_LE : D_LE, port);
                        case GT -> new Not(new PortCmp(src ? S_LE : D_LE, port));
                        case LT -> new Not(new PortCmp(src ? S_GE : D_GE, port));
                    };
                }
                case "dev" -> {
                    boolean negate = relation(t, false) == Rel.NE;
                    Node n = new Dev(ifindex(valueToken(t)));
                    return negate ? new Not(n) : n;
                }
                case "fwmark" -> {
                    boolean negate = relation(t, false) == Rel.NE;
                    Node n = mark(valueToken(t));
                    return negate ? new Not(n) : n;
                }
                case "" -> throw error(t, "expected a condition, found the end of the filter");
                case ")" -> throw error(t, "unexpected ')'");
                case "cgroup" -> {
                    boolean negate = relation(t, false) == Rel.NE;
                    Node n = new Cgroup(cgroupId(valueToken(t)));
                    return negate ? new Not(n) : n;
                }
                case "state", "exclude" ->
                    throw error(
                            t,
                            "'" + Words.clip(t.text())
                                    + "' must come before the expression (the bytecode has no state condition: `sluice ss state NAME ...` selects states)");
                default ->
                    throw error(
                            t,
                            "unknown condition '" + Words.clip(t.text())
                                    + "' (expected src, dst, sport, dport, dev, fwmark, cgroup, autobound, not or '(')");
            }
        }

        private enum Rel {
            EQ,
            NE,
            GE,
            LE,
            GT,
            LT
        }

        /** The optional relation after a keyword; only sport/dport take orderings. */
        private Rel relation(Token keyword, boolean orderings) {
            String w = lower(peek());
            Rel rel = switch (w) {
                case "=", "==", "eq" -> Rel.EQ;
                case "!=", "neq" -> Rel.NE;
                case ">=", "ge" -> Rel.GE;
                case "<=", "le" -> Rel.LE;
                case ">", "gt" -> Rel.GT;
                case "<", "lt" -> Rel.LT;
                default -> null;
            };
            if (rel == null) {
                return Rel.EQ;
            }
            if (!orderings && rel != Rel.EQ && rel != Rel.NE) {
                throw error(
                        peek(),
                        "'" + Words.clip(keyword.text()) + "' takes = or != only, not '" + Words.clip(peek().text())
                                + "'");
            }
            next();
            return rel;
        }

        private Token valueToken(Token keyword) {
            Token v = next();
            if (v.text().isEmpty() || v.text().equals("(") || v.text().equals(")")) {
                throw error(v, "'" + Words.clip(keyword.text()) + "' needs a value");
            }
            return v;
        }

        /** sport/dport values: ":22", "22", ":ssh", ":*". */
        private static String portText(Token v) {
            String s = v.text();
            return s.startsWith(":") ? s.substring(1) : s;
        }

        private Node host(int code, Token v) {
            String s = v.text();
            int port = -1;
            String addr;
            int family;
            int prefix;
            byte[] bytes;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw error(v, "'[' without ']' in '" + Words.clip(s) + "'");
                }
                addr = s.substring(1, close);
                String rest = s.substring(close + 1);
                if (!rest.isEmpty()) {
                    if (!rest.startsWith(":")) {
                        throw error(
                                v.line(),
                                v.column() + close + 1,
                                "expected ':PORT' after ']', found '" + Words.clip(rest)
                                        + "' (an IPv6 prefix goes inside the brackets: [::1/64])");
                    }
                    port = portOf(v, rest.substring(1));
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (s.indexOf(':') != colon) {
                    throw error(v, "an IPv6 address goes in brackets: [" + Words.clip(s) + "]");
                }
                addr = colon < 0 ? s : s.substring(0, colon);
                if (colon >= 0) {
                    port = portOf(v, s.substring(colon + 1));
                }
            }
            if (addr.isEmpty() || addr.equals("*")) {
                return new Host(code, AF_UNSPEC, 0, port, new byte[4]);
            }
            String prefixText = null;
            int slash = addr.indexOf('/');
            if (slash >= 0) {
                prefixText = addr.substring(slash + 1);
                addr = addr.substring(0, slash);
            }
            if (addr.indexOf(':') >= 0) {
                family = AF_INET6;
                bytes = ipv6(v, addr);
            } else {
                family = AF_INET;
                bytes = ipv4(v, addr);
            }
            int max = family == AF_INET6 ? 128 : 32;
            prefix = max;
            if (prefixText != null) {
                if (!prefixText.matches("\\d{1,3}") || Integer.parseInt(prefixText) > max) {
                    throw error(v, "prefix length '/" + Words.clip(prefixText) + "' is not 0.." + max);
                }
                prefix = Integer.parseInt(prefixText);
            }
            byte[] address = new byte[family == AF_INET6 ? 16 : 4];
            System.arraycopy(bytes, 0, address, 0, address.length);
            return new Host(code, family, prefix, port, address);
        }

        /** Dotted IPv4 with 1 to 4 parts, missing trailing bytes 0 as ss reads "10/8" or "127.1". */
        private byte[] ipv4(Token v, String a) {
            String[] parts = a.split("\\.", -1);
            if (parts.length > 4) {
                throw error(v, "'" + Words.clip(a) + "' is not an IPv4 address");
            }
            byte[] b = new byte[4];
            for (int i = 0; i < parts.length; i++) {
                if (!parts[i].matches("\\d{1,3}") || Integer.parseInt(parts[i]) > 255) {
                    throw error(v, "'" + Words.clip(a) + "' is not an IPv4 address (host names are not looked up)");
                }
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
            return b;
        }

        private byte[] ipv6(Token v, String a) {
            if (!a.matches("[0-9A-Fa-f:.]+")) {
                throw error(v, "'" + Words.clip(a) + "' is not an IPv6 address");
            }
            try {
                byte[] b = java.net.InetAddress.getByName(a).getAddress();
                if (b.length == 4) {
                    byte[] m = new byte[16];
                    m[10] = (byte) 0xff;
                    m[11] = (byte) 0xff;
                    System.arraycopy(b, 0, m, 12, 4);
                    return m;
                }
                return b;
            } catch (java.net.UnknownHostException e) {
                throw error(v, "'" + Words.clip(a) + "' is not an IPv6 address");
            }
        }

        /** A port: decimal (kept as ss keeps it, an int), '*' (any, -1) or a service name from /etc/services. */
        private int portOf(Token v, String p) {
            if (p.equals("*")) {
                return -1;
            }
            if (p.matches("-?\\d{1,10}")) {
                return (int) Long.parseLong(p);
            }
            Integer service = Services.port(p);
            if (service == null) {
                throw error(v, "'" + Words.clip(p) + "' is not a port number or a service name in /etc/services");
            }
            return service;
        }

        private int ifindex(Token v) {
            String s = v.text();
            if (s.matches("\\d{1,10}")) {
                return (int) Long.parseLong(s);
            }
            if (!validInterfaceName(s)) {
                throw error(
                        v,
                        "'" + Words.clip(s)
                                + "' is not an interface name (1-15 bytes, no '/', ':', space or NUL, not . or ..)");
            }
            Path f = Path.of("/sys/class/net", s, "ifindex");
            if (Files.isReadable(f)) {
                try {
                    return Integer.parseInt(Files.readString(f).trim());
                } catch (IOException | NumberFormatException e) {
                    // reported below
                }
            }
            throw error(v, "no network interface named '" + Words.clip(s) + "'");
        }

        /**
         * A cgroup v2 path to the id the kernel reports for sockets in it (the cgroup's kernfs id, which is its
         * directory's inode number on 64-bit kernels), resolved as iproute2's get_cgroup2_id does: the path as given
         * (from the working directory) if it exists, else under the cgroup2 mount with leading '/' dropped.
         */
        private long cgroupId(Token v) {
            String s = v.text();
            Path mount = cgroup2Mount();
            if (mount == null) {
                throw error(
                        v,
                        "cgroup " + Words.clip(s) + ": no cgroup2 file system is mounted (see /proc/self/mountinfo)");
            }
            // A file name cannot hold a NUL byte (iproute2's C string would end there); Path.of would throw.
            if (s.indexOf('\0') >= 0) {
                throw error(v, "cgroup " + Words.clip(s) + ": a path cannot contain a NUL byte");
            }
            Path given = Path.of(s);
            Path dir = Files.isDirectory(given) ? given : null;
            if (dir == null) {
                String relative = s.replaceFirst("^/+", "");
                if (relative.isEmpty() && !s.isEmpty()) {
                    dir = mount;
                } else if (!relative.isEmpty() && Files.isDirectory(mount.resolve(relative))) {
                    dir = mount.resolve(relative);
                }
            }
            if (dir == null) {
                throw error(
                        v, "cgroup " + Words.clip(s) + ": no such cgroup (looked at the path and under " + mount + ")");
            }
            try {
                Path real = dir.toRealPath();
                if (!real.startsWith(mount.toRealPath())) {
                    throw error(
                            v,
                            "cgroup " + Words.clip(s) + ": " + real + " is not in the cgroup2 hierarchy at " + mount);
                }
                return ((Number) Files.getAttribute(real, "unix:ino")).longValue();
            } catch (IOException | UnsupportedOperationException e) {
                throw error(v, "cgroup " + Words.clip(s) + ": cannot read its id: " + e.getMessage());
            }
        }

        /** Where the cgroup2 file system is mounted (the first cgroup2 line of /proc/self/mountinfo), or null. */
        private static Path cgroup2Mount() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    // fields: id parent major:minor root mount-point options [optional...] - fstype source
                    // super-options
                    String[] f = line.split(" ");
                    int dash = java.util.Arrays.asList(f).indexOf("-");
                    if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("cgroup2") && f.length > 4) {
                        return Path.of(f[4].replace("\\040", " "));
                    }
                }
            } catch (IOException | RuntimeException e) {
                return null;
            }
            return null;
        }

        /** The kernel's dev_valid_name: what can name a device, so also what may be looked up under /sys/class/net. */
        static boolean validInterfaceName(String s) {
            if (s.isEmpty()
                    || s.equals(".")
                    || s.equals("..")
                    || s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= 16) {
                return false;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '/' || c == ':' || c == 0 || Character.isWhitespace(c)) {
                    return false;
                }
            }
            return true;
        }

        private Node mark(Token v) {
            String s = v.text();
            int slash = s.indexOf('/');
            long mark = number(v, slash < 0 ? s : s.substring(0, slash));
            long mask = slash < 0 ? 0xffffffffL : number(v, s.substring(slash + 1));
            return new Mark((int) mark, (int) mask);
        }

        /** An unsigned 32-bit number, C style: 0x hex, leading-0 octal, else decimal. */
        private long number(Token v, String s) {
            try {
                long n;
                if (s.startsWith("0x") || s.startsWith("0X")) {
                    n = Long.parseLong(s.substring(2), 16);
                } else if (s.length() > 1 && s.startsWith("0")) {
                    n = Long.parseLong(s.substring(1), 8);
                } else {
                    n = Long.parseLong(s);
                }
                if (n >= 0 && n <= 0xffffffffL) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(v, "'" + Words.clip(s) + "' is not a 32-bit number");
        }
    }
}
