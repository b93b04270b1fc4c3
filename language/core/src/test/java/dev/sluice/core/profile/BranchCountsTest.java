package dev.sluice.core.profile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BranchCountsTest {
    @Test
    void countsEachSiteAndDirectionAndReturnsTheCondition() {
        int[] counts = BranchCounts.forSites(3);
        assertEquals(6, counts.length);
        for (int i = 0; i < 5; i++) {
            assertTrue(BranchCounts.profile(counts, 1, true));
        }
        assertFalse(BranchCounts.profile(counts, 1, false));
        assertFalse(BranchCounts.profile(counts, 2, false));
        // site 0 untouched; site 1: 5 taken, 1 not; site 2: 0 taken, 1 not
        assertArrayEquals(new int[] {0, 0, 5, 1, 0, 1}, counts);
    }

    @Test
    void halvesBothCountsWhenTheyReachTheLimitSoLaterBehaviourShows() {
        int[] counts = BranchCounts.forSites(1);
        counts[0] = (1 << 24) - 2;
        counts[1] = 1;
        BranchCounts.profile(counts, 0, false); // the sum reaches 2^24
        assertEquals(((1 << 24) - 2) >> 1, counts[0]);
        assertEquals(1, counts[1]);
        assertTrue(counts[0] + counts[1] < 1 << 24);
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
