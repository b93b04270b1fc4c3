package dev.sluice.inetdiag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.runtime.InetDiagFailure;
import dev.sluice.inetdiag.verify.Audit;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** One program per rule of the kernel's inet_diag_bc_audit, each refused with that rule's failure at its op. */
class AuditTest {
    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    static SluiceException refused(String program, boolean netAdmin) {
        return assertThrows(SluiceException.class, () -> Audit.check(hex(program), netAdmin));
    }

    static void assertRefused(InetDiagFailure failure, int offset, String program) {
        SluiceException e = refused(program, true);
        assertEquals(failure, e.failure(), e.getMessage());
        assertEquals(offset, e.insn(), e.getMessage());
    }

    @Test
    void acceptsWhatSsSends() {
        // ss 6.1: "sport = :1 or sport = :2 and dport = :3", "dst [::1]:443", "not autobound", "fwmark 0x10/0xff"
        Audit.check(
                hex(
                        "07101400000000000100000000000000010414000710240000000000020000000000000008101400000000000300000000000000"),
                false);
        Audit.check(hex("081c20000a800000bb01000000000000000000000000000000000001"), false);
        Audit.check(hex("0604080001040800"), false);
        Audit.check(hex("0a0c100010000000ff000000"), true);
        // NOP's 'no' is not checked; CGROUP_COND; DEV_COND
        Audit.check(hex("0004ffff"), false);
        Audit.check(hex("0d0c10000100000000000000"), false);
        Audit.check(hex("09080c0001000000"), false);
    }

    @Test
    void lengthRules() {
        assertRefused(InetDiagFailure.TOO_SHORT, -1, "");
        assertRefused(InetDiagFailure.TOO_SHORT, -1, "060408");
        assertRefused(InetDiagFailure.LENGTH_NOT_MULTIPLE_OF_4, -1, "06040800 00");
        assertEquals(
                InetDiagFailure.TOO_LONG,
                assertThrows(SluiceException.class, () -> Audit.check(new byte[65532], true))
                        .failure());
    }

    @Test
    void codeAndConditionRules() {
        assertRefused(InetDiagFailure.UNKNOWN_CODE, 4, "00040000 0e040800");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "07081000 00000000");
        assertRefused(InetDiagFailure.HOSTCOND_FAMILY, 0, "070c1000 01000000 ffffffff");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "070c1000 02000000 ffffffff");
        assertRefused(InetDiagFailure.HOSTCOND_PREFIX, 0, "07101400 02210000 ffffffff 7f000001");
        assertRefused(InetDiagFailure.HOSTCOND_PREFIX, 0, "070c1000 00010000 ffffffff");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "02040800");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "09040800");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "0a080c00 10000000");
        assertRefused(InetDiagFailure.CONDITION_TRUNCATED, 0, "0d080c00 01000000");
    }

    @Test
    void markNeedsNetAdmin() {
        SluiceException e = refused("0a0c1000 10000000 ff000000", false);
        assertEquals(InetDiagFailure.MARK_NEEDS_NET_ADMIN, e.failure());
        assertEquals(
                "op at byte 0: MARK_COND needs CAP_NET_ADMIN (the kernel answers EPERM; option inetdiag.NetAdmin=true)",
                e.getMessage());
    }

    @Test
    void jumpRules() {
        assertRefused(InetDiagFailure.JUMP_SHORTER_THAN_OP, 0, "02040c00 00000100");
        assertRefused(InetDiagFailure.JUMP_SHORTER_THAN_OP, 0, "02080400 00000100");
        assertRefused(InetDiagFailure.JUMP_PAST_END, 0, "06040c00");
        assertRefused(InetDiagFailure.JUMP_PAST_END, 0, "060c0800");
        assertRefused(InetDiagFailure.JUMP_UNALIGNED, 0, "06040600 06040800");
        assertRefused(InetDiagFailure.JUMP_UNALIGNED, 0, "06060800 06040800");
        // 'no' into the condition of the next op (byte 8 is inside the S_GE at 4)
        assertRefused(InetDiagFailure.NO_TARGET_NOT_ON_CHAIN, 0, "06040800 02080c00 00000100");
        assertRefused(InetDiagFailure.CHAIN_OVERSHOOTS_END, 0, "06080800");
    }

    @Test
    void messagesNameTheOpAndTheRule() {
        SluiceException e = refused("06040800 02080c00 00000100", true);
        assertEquals(
                "op at byte 0: no = 8 jumps to byte 8, which is not an op of the yes chain from byte 0",
                e.getMessage());
        e = refused("00040000 0e040800", true);
        assertEquals("op at byte 4: unknown code 14", e.getMessage());
    }
}
