package dev.sluice.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.testing.EngineMode;
import dev.sluice.inetdiag.runtime.SocketEntry;
import dev.sluice.inetdiag.runtime.SocketRecord;
import java.util.HexFormat;
import java.util.Map;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The interpreter's meaning of each op, on sockets whose answers follow from the kernel's inet_diag_bc_run, under
 * every engine mode; sockets passed as host objects and as byte records must give the same answers.
 */
class InterpreterTest {
    /** IPv4 10.1.2.3:22 -> 192.168.0.9:40000 on ifindex 2, mark 0x1234, cgroup 77, port bound explicitly. */
    static final Map<String, Object> V4 = Map.of(
            "src",
            "10.1.2.3",
            "dst",
            "192.168.0.9",
            "sport",
            22,
            "dport",
            40000,
            "ifindex",
            2,
            "mark",
            0x1234,
            "cgroupId",
            77L,
            "autobound",
            false);
    /** IPv6 v4-mapped ::ffff:10.1.2.3:33000 -> [2001:db8::1]:443, autobound. */
    static final Map<String, Object> MAPPED =
            Map.of("src", "::ffff:10.1.2.3", "dst", "2001:db8::1", "sport", 33000, "dport", 443, "autobound", true);
    /** IPv6 [2001:db8::5]:8080 -> [::1]:1024. */
    static final Map<String, Object> V6 = Map.of("src", "2001:db8::5", "dst", "::1", "sport", 8080, "dport", 1024);

    static final Object[][] CASES = {
        // filter, V4, MAPPED, V6
        {"sport = :22", true, false, false},
        {"sport != :22", false, true, true},
        {"dport >= :1024", true, false, true},
        {"dport > :1024", true, false, false},
        {"dport <= :443", false, true, false},
        {"dport < :443", false, false, false},
        {"sport >= :8080 and sport <= :33000", false, true, true},
        {"src 10.0.0.0/8", true, true, false},
        {"src 10.1.2.3:22", true, false, false},
        {"src 10.1.2.4/31", false, false, false},
        {"src 10.1.2.2/31", true, true, false},
        {"src [::ffff:10.1.2.3]", false, true, false},
        {"src [2001:db8::/32]", false, false, true},
        {"src [2001:db8::4/127]:8080", false, false, true},
        {"dst [::1]", false, false, true},
        {"dst [::/0]", false, true, true},
        {"src 0.0.0.0/0", true, true, false},
        {"dst *:443", false, true, false},
        {"autobound", false, true, false},
        {"not autobound", true, false, true},
        {"dev 2", true, false, false},
        {"fwmark 0x34/0xff", true, false, false},
        {"fwmark 0x1234", true, false, false},
        {"fwmark != 0x0/0x0", false, false, false},
        {"sport = :22 or dport = :443", true, true, false},
        {"( sport = :22 or dport = :443 ) and src 10/8", true, true, false},
        {"sport = :22 or dport = :443 and autobound", false, true, false},
        {"not ( src 10/8 or dst [::1] )", false, false, false},
        {"", true, true, true},
    };

    static Value socket(Context c, Map<String, Object> fields, boolean asRecord) {
        if (!asRecord) {
            return c.asValue(ProxyObject.fromMap(new java.util.HashMap<>(fields)));
        }
        byte[] src = SocketRecord.parseAddress((String) fields.get("src"), "src");
        byte[] dst = SocketRecord.parseAddress((String) fields.get("dst"), "dst");
        SocketEntry e = new SocketEntry(
                src.length == 16 ? 10 : 2,
                SocketEntry.words(src),
                SocketEntry.words(dst),
                (Integer) fields.get("sport"),
                (Integer) fields.get("dport"),
                (Integer) fields.getOrDefault("ifindex", 0),
                (Boolean) fields.getOrDefault("autobound", false),
                (Integer) fields.getOrDefault("mark", 0),
                (Long) fields.getOrDefault("cgroupId", 0L));
        return c.asValue(SocketRecord.encode(e));
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void opsMeanWhatTheKernelMeans(EngineMode mode) {
        try (Engine engine = InetDiagTestSources.engine(mode);
                Context c = InetDiagTestSources.contextBuilder(mode, engine)
                        .option("inetdiag.NetAdmin", "true")
                        .build()) {
            for (boolean asRecord : new boolean[] {false, true}) {
                Value[] sockets = {socket(c, V4, asRecord), socket(c, MAPPED, asRecord), socket(c, V6, asRecord)};
                for (Object[] row : CASES) {
                    Value filter = c.eval(InetDiagTestSources.filter((String) row[0]));
                    for (int i = 0; i < 3; i++) {
                        assertEquals(
                                row[i + 1],
                                filter.execute(sockets[i]).asBoolean(),
                                "'" + row[0] + "' on socket " + i + (asRecord ? " (record)" : " (object)"));
                    }
                }
            }
        }
        if (mode == EngineMode.COMPILED) {
            assertTrue(
                    EngineMode.compiled("inetdiag-filter:"), "no filter root was compiled: " + EngineMode.COMPILATIONS);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void rawBytecodeRunsAndCgroupMatches(EngineMode mode) {
        try (Engine engine = InetDiagTestSources.engine(mode);
                Context c = InetDiagTestSources.contextBuilder(mode, engine).build()) {
            // CGROUP_COND 77, then S_EQ 22 (ops ss 6.1 does not emit)
            Value f = c.eval(InetDiagTestSources.bytecode(
                    HexFormat.of().parseHex("0d0c1800" + "4d00000000000000" + "0b080c00" + "00001600"), "cg.bc"));
            Value v4 = c.asValue(ProxyObject.fromMap(new java.util.HashMap<>(V4)));
            assertTrue(f.execute(v4).asBoolean());
            Map<String, Object> other = new java.util.HashMap<>(V4);
            other.put("cgroupId", 78L);
            assertEquals(false, f.execute(ProxyObject.fromMap(other)).asBoolean());
            other.put("cgroupId", 77L);
            other.put("sport", 23);
            assertEquals(false, f.execute(ProxyObject.fromMap(other)).asBoolean());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void checkerFailuresAreSyntaxErrorsBeforeAnythingRuns(EngineMode mode) {
        try (Engine engine = InetDiagTestSources.engine(mode);
                Context c = InetDiagTestSources.contextBuilder(mode, engine).build()) {
            PolyglotException e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(InetDiagTestSources.bytecode(HexFormat.of().parseHex("06040c00"), "bad.bc")));
            assertTrue(e.isSyntaxError());
            assertEquals("op at byte 0: no = 12 goes beyond the end + 4 (4 bytes remain)", e.getMessage());
            e = assertThrows(PolyglotException.class, () -> c.eval(InetDiagTestSources.filter("fwmark 0x1")));
            assertTrue(e.isSyntaxError());
            assertTrue(e.getMessage().contains("MARK_COND needs CAP_NET_ADMIN"), e.getMessage());
            e = assertThrows(
                    PolyglotException.class,
                    () -> c.eval(InetDiagTestSources.filter("sport = :1\n  and src 1.2.3.4.5")));
            assertTrue(e.isSyntaxError());
            assertEquals("filter:2:11: '1.2.3.4.5' is not an IPv4 address", e.getMessage());
            assertEquals(2, e.getSourceLocation().getStartLine());
            assertEquals(11, e.getSourceLocation().getStartColumn());
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = EngineMode.class,
            names = {"INTERPRETED", "COMPILED"})
    void badSocketsAreGuestErrors(EngineMode mode) {
        try (Engine engine = InetDiagTestSources.engine(mode);
                Context c = InetDiagTestSources.contextBuilder(mode, engine).build()) {
            Value f = c.eval(InetDiagTestSources.filter("sport = :1"));
            for (Object bad : new Object[] {
                new byte[3],
                42,
                ProxyObject.fromMap(Map.of("src", "1.2.3.4")),
                ProxyObject.fromMap(Map.of("src", "nohost", "dst", "1.2.3.4", "sport", 1, "dport", 2)),
                ProxyObject.fromMap(Map.of("src", "1.2.3.4", "dst", "1.2.3.4", "sport", 70000, "dport", 2))
            }) {
                PolyglotException e = assertThrows(PolyglotException.class, () -> f.execute(bad));
                assertTrue(e.isGuestException() && !e.isInternalError(), e.getMessage());
                assertTrue(e.getMessage().startsWith("socket: "), e.getMessage());
            }
        }
    }
}
