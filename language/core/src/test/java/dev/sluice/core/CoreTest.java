package dev.sluice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.FailureKind;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.guard.BlindingKeys;
import dev.sluice.core.guard.Budget;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.guard.OverBudgetAction;
import dev.sluice.core.pcap.Pcap;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.core.seccomp.SeccompData;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The shared machinery on its own, without any language. */
class CoreTest {
    /** A language's own kinds, as an eBPF language would declare them. */
    enum ToyFailure implements FailureKind {
        TOY_BAD_JUMP(Category.VERIFY, "insn %d: jump to %d");

        private final Category category;
        private final String format;

        ToyFailure(Category category, String format) {
            this.category = category;
            this.format = format;
        }

        @Override
        public Category category() {
            return category;
        }

        @Override
        public String format() {
            return format;
        }
    }

    @Test
    void aLanguageDeclaresItsOwnKindsAndTheExceptionCarriesThem() {
        SluiceException e = SluiceException.atPosition("prog.s", 3, 7, ToyFailure.TOY_BAD_JUMP, 2, 9);
        assertEquals(ToyFailure.TOY_BAD_JUMP, e.failure());
        assertEquals("prog.s:3:7: insn 2: jump to 9", e.getMessage());
        assertEquals("insn 2: jump to 9", e.detail());
        assertEquals(3, e.line());
        assertEquals(7, e.column());
        SluiceException atInsn = SluiceException.atInsn(4, ToyFailure.TOY_BAD_JUMP, 4, 1);
        assertEquals(4, atInsn.insn());
        assertEquals("insn 4: jump to 1", atInsn.getMessage());
    }

    @Test
    void overBudgetActionsNameTheLanguagesNamespace() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> OverBudgetAction.numericVerdicts("ebpf.OverBudgetAction").convert("panic"));
        assertEquals("ebpf.OverBudgetAction: 'panic' is not error or verdict:<n>", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> OverBudgetAction.seccompVerdicts("bpf.OverBudgetAction").convert("verdict:0x100000000"));
        assertEquals(
                "bpf.OverBudgetAction: 'verdict:0x100000000': the verdict must be a 32-bit unsigned number or a seccomp action name",
                e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> OverBudgetAction.numericVerdicts("ebpf.OverBudgetAction").convert("verdict:KILL_PROCESS"));
        assertEquals("ebpf.OverBudgetAction: 'verdict:KILL_PROCESS': the verdict must be a number", e.getMessage());
        var seccomp = OverBudgetAction.seccompVerdicts("bpf.OverBudgetAction");
        assertEquals(OverBudgetAction.ERROR, seccomp.convert(" error "));
        assertEquals(
                SeccompAction.ALLOW.value,
                GuardOptions.of("bpf", 0, 0, 0, 1000, seccomp.convert("verdict:allow"))
                        .overBudgetVerdict());
        assertEquals(
                0xfffffffe,
                GuardOptions.of("bpf", 0, 0, 0, 1000, seccomp.convert("verdict: 0xfffffffe"))
                        .overBudgetVerdict());
        assertEquals("verdict:4294967294", seccomp.convert("verdict:0xfffffffe").id());
        assertEquals(
                -1L,
                OverBudgetAction.numericVerdicts("ebpf.OverBudgetAction")
                        .convert("verdict:-1")
                        .verdict());
    }

    @Test
    void meteringIsNeededOnlyWhenTheLimitCanBeReached() {
        Budget limited = new Budget(GuardOptions.of("bpf", 10, 0, 0, 1000, OverBudgetAction.ERROR), "bpf", 4096);
        assertFalse(limited.needsMetering(10), "a run of 10 instructions never exceeds a limit of 10");
        assertTrue(limited.needsMetering(11));
        Budget unlimited = new Budget(GuardOptions.NONE, "bpf", 4096);
        assertFalse(unlimited.needsMetering(4096));
        Budget counted = new Budget(GuardOptions.NONE.withCounters(true), "bpf", 4096);
        assertTrue(counted.needsMetering(1), "counters count every run");
    }

    @Test
    void overBudgetMessagesNameTheLanguagesOption() {
        Budget b = new Budget(GuardOptions.of("ebpf", 5, 0, 0, 1000, OverBudgetAction.ERROR), "ebpf", 1_000_000);
        SluiceException e = assertThrows(SluiceException.class, () -> b.stop(null, 5, 5));
        assertEquals("insn 5: over budget: stopped after 5 instructions (ebpf.MaxInstructions)", e.getMessage());
        assertEquals(1, b.overBudgetCount());
    }

    @Test
    void blindingKeysAreNonZeroAndBlindOnlyWhatIsBlindable() {
        int key = BlindingKeys.newKey();
        assertTrue(key != 0);
        int[] blinded = BlindingKeys.blind(new int[] {1, 2, 3}, new boolean[] {true, false, true}, key);
        assertEquals(1 ^ key, blinded[0]);
        assertEquals(2, blinded[1]);
        assertEquals(3 ^ key, blinded[2]);
        for (int i = 0; i < 64; i++) {
            long wide = BlindingKeys.newWideKey();
            assertTrue((int) wide != 0 && (int) (wide >>> 32) != 0, () -> Long.toHexString(wide));
        }
    }

    @Test
    void pcapHeadersWrittenAreReadBackAndOtherFilesAreRefused() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(Pcap.globalHeader(65535, Pcap.LINKTYPE_ETHERNET));
        file.writeBytes(Pcap.recordHeader(7, 12, 60, 1514));
        byte[] bytes = file.toByteArray();
        Pcap.Header h = Pcap.header(bytes, null);
        assertFalse(h.swapped());
        assertEquals(Pcap.LINKTYPE_ETHERNET, h.linkType());
        assertEquals(60, Pcap.u32(bytes, Pcap.GLOBAL_HEADER_SIZE + 8, h.swapped()));
        assertEquals(1514, Pcap.u32(bytes, Pcap.GLOBAL_HEADER_SIZE + 12, h.swapped()));
        byte[] bigEndian = bytes.clone();
        for (int i = 0; i < Pcap.GLOBAL_HEADER_SIZE; i += 4) {
            reverse(bigEndian, i);
        }
        assertTrue(Pcap.header(bigEndian, null).swapped());
        assertEquals(Pcap.LINKTYPE_ETHERNET, Pcap.header(bigEndian, null).linkType());
        SluiceException e = assertThrows(SluiceException.class, () -> Pcap.header(new byte[24], null));
        assertEquals(CoreFailure.BAD_PCAP, e.failure());
        assertEquals("pcap: not a pcap file (magic 0x00000000; pcapng is not supported)", e.getMessage());
    }

    private static void reverse(byte[] b, int at) {
        byte t = b[at];
        b[at] = b[at + 3];
        b[at + 3] = t;
        t = b[at + 1];
        b[at + 1] = b[at + 2];
        b[at + 2] = t;
    }

    @Test
    void seccompDataIsInTheArchsByteOrder() {
        byte[] le = SeccompData.encode(Arch.X86_64, 59, 0, 1, 2);
        assertEquals(59, le[0]);
        assertEquals(59, SeccompData.nr(le, Arch.X86_64));
        assertEquals(2L, SeccompData.arg(le, Arch.X86_64, 1));
        byte[] be = SeccompData.encode(Arch.S390X, 59, 0);
        assertEquals(59, be[3]);
        assertEquals(Arch.S390X.auditArch(), SeccompData.auditArch(be, Arch.S390X));
        assertEquals("ERRNO(13)", SeccompAction.format(SeccompAction.ERRNO.encode(13)));
    }
}
