package dev.sluice.core.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BranchCountsTest {
    @Test
    void countsEachSiteAndDirectionAndReturnsTheCondition() {
        BranchCounts counts = new BranchCounts(3);
        for (int i = 0; i < 5; i++) {
            assertTrue(counts.profile(1, true));
        }
        assertFalse(counts.profile(1, false));
        assertFalse(counts.profile(2, false));
        assertEquals(0, counts.taken(0));
        assertEquals(0, counts.notTaken(0));
        assertEquals(5, counts.taken(1));
        assertEquals(1, counts.notTaken(1));
        assertEquals(6, counts.reached(1), "either way");
        assertEquals(1, counts.reached(2));
        assertEquals(0, counts.reached(0));
        assertEquals(0, counts.taken(2));
        assertEquals(1, counts.notTaken(2));
    }

    @Test
    void stopsCountingAfterItsQuotaOfJumps() {
        BranchCounts counts = new BranchCounts(2, 3);
        assertTrue(counts.profile(0, true));
        assertFalse(counts.profile(1, false));
        assertTrue(counts.profile(0, true));
        // the quota of 3 is spent: the condition still comes back, uncounted
        assertTrue(counts.profile(0, true));
        assertFalse(counts.profile(1, false));
        assertEquals(2, counts.taken(0));
        assertEquals(1, counts.notTaken(1));
    }

    @Test
    void probabilityFollowsTheCountsButIsNeverCertain() {
        assertEquals(0.5, BranchCounts.probability(0, 0));
        assertEquals(0.5, BranchCounts.probability(7, 7));
        double never = BranchCounts.probability(0, 10_000);
        double always = BranchCounts.probability(10_000, 0);
        assertTrue(never > 0 && never < 1e-4, "never taken: " + never);
        assertTrue(always < 1 && always > 1 - 1e-4, "always taken: " + always);
        assertEquals(0.9, BranchCounts.probability(900, 100), 1e-3);
        assertEquals(1.0, BranchCounts.probability(3, 9) + BranchCounts.probability(9, 3), 1e-12);
    }

    @Test
    void onlyABranchWithAClearMajorityIsGivenToTheCompiler() {
        assertFalse(BranchCounts.skewed(0, 0), "never seen");
        assertFalse(BranchCounts.skewed(500, 500));
        assertFalse(BranchCounts.skewed(700, 300));
        assertFalse(BranchCounts.skewed(300, 700));
        assertTrue(BranchCounts.skewed(900, 100));
        assertTrue(BranchCounts.skewed(100, 900));
        assertTrue(BranchCounts.skewed(0, 3));
        assertTrue(BranchCounts.skewed(10_000, 0));
    }
}
