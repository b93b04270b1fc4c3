package dev.sluice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.core.guard.Budget;
import dev.sluice.core.guard.GuardOptions;
import dev.sluice.core.guard.OverBudgetAction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The windowed budgets through per-thread leases (issue 16): no lock per invocation, and still the window's
 * allowance exactly, for one thread and for several.
 */
class BudgetLeaseTest {
    /** A window far longer than the test: it never renews unless the test waits for it. */
    private static final long LONG_WINDOW_MS = 1_000_000;

    private static Budget invocations(long perWindow, long windowMillis) {
        return new Budget(
                GuardOptions.of("bpf", 0, 0, perWindow * 1000 / windowMillis, windowMillis, OverBudgetAction.ERROR),
                "bpf",
                4096);
    }

    @Test
    void oneThreadGetsExactlyTheWindowsInvocations() {
        Budget b = invocations(1000, LONG_WINDOW_MS);
        int admitted = 0;
        while (b.lease().admit() >= 0) {
            admitted++;
            assertTrue(admitted <= 1000, "more than the allowance");
        }
        assertEquals(1000, admitted);
        assertEquals(1000, b.invocations());
        assertEquals(-1, b.lease().admit(), "still refused");
    }

    @Test
    void threadsTogetherGetExactlyTheWindowsInvocations() throws Exception {
        Budget b = invocations(10_000, LONG_WINDOW_MS);
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicLong admitted = new AtomicLong();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                Budget.Lease lease = b.lease();
                long mine = 0;
                while (lease.admit() >= 0) {
                    lease.charge(3);
                    mine++;
                }
                admitted.addAndGet(mine);
            });
            th.start();
            all.add(th);
        }
        for (Thread th : all) {
            th.join();
        }
        // A thread is refused only after giving its own lease back, so when every thread has been refused, no lease
        // holds anything and the window was spent to the last invocation.
        assertEquals(10_000, admitted.get());
        assertEquals(10_000, b.invocations());
        assertEquals(30_000, b.instructionsExecuted());
    }

    @Test
    void aNewWindowRefillsAndOldLeasesHoldNothing() throws Exception {
        Budget b = invocations(20, 200);
        Budget.Lease lease = b.lease();
        for (int i = 0; i < 20; i++) {
            assertTrue(lease.admit() >= 0, "invocation " + i);
        }
        assertEquals(-1, lease.admit());
        Thread.sleep(250);
        for (int i = 0; i < 20; i++) {
            assertTrue(lease.admit() >= 0, "after the window: invocation " + i);
        }
        assertEquals(-1, lease.admit());
        assertEquals(40, b.invocations());
    }

    @Test
    void instructionAllowanceStopsAtTheExactInstructionAcrossLeases() {
        // 10 per second over 1,000 s: 10,000 instructions per window; each run wants up to 4096 (the longest classic
        // run), executes 1000.
        Budget b = new Budget(GuardOptions.of("bpf", 0, 10, 0, LONG_WINDOW_MS, OverBudgetAction.ERROR), "bpf", 4096);
        Budget.Lease lease = b.lease();
        long executed = 0;
        for (int i = 0; i < 10; i++) {
            int limit = lease.admit();
            assertEquals(Math.min(4096, 10_000 - executed), limit, "limit of run " + i);
            int ran = (int) Math.min(1000, limit);
            lease.charge(ran);
            executed += ran;
        }
        assertEquals(10_000, executed);
        assertEquals(0, lease.admit(), "the window's instructions are spent: the next run stops at its first");
    }
}
