package dev.sluice.tests.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-input work budget of the fuzz targets ({@link FuzzChecks#budgeted}): after its warm-up, a step that
 * allocates more than the budget for its input's size is a finding in a campaign; within the budget it is not.
 * Allocation is what this test drives because it is exact; CPU time is measured the same way.
 */
class FuzzBudgetTest {
    @Test
    void aStepOverItsBudgetIsAFindingInACampaign(@TempDir Path temp) throws IOException {
        String before = System.getProperty("sluice.fuzz.campaign");
        String reportBefore = System.getProperty(FuzzChecks.REPORT_PROPERTY);
        System.setProperty("sluice.fuzz.campaign", "true");
        // This test's own step over budget is reported here, not among the replay's reports (target/fuzz).
        Path report = temp.resolve("over-budget.txt");
        System.setProperty(FuzzChecks.REPORT_PROPERTY, report.toString());
        try {
            for (int i = 0; i < FuzzChecks.WARM_UP; i++) {
                FuzzChecks.budgeted("budget test step", 10, () -> new byte[64]);
            }
            // 1 KiB of input may allocate 64 MiB + 16 MiB; 100 MiB is over.
            AssertionError e = assertThrows(
                    AssertionError.class,
                    () -> FuzzChecks.budgeted("budget test step", 1024, FuzzBudgetTest::allocate100MiB));
            assertTrue(
                    e.getMessage().startsWith("over budget: budget test step on a 1024-byte input took "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(budget 81920 KiB)"), e.getMessage());
            assertEquals(List.of(e.getMessage()), Files.readAllLines(report), "the report file holds the finding");
            // 10 KiB of input may allocate 64 MiB + 160 MiB: the same step is within.
            assertEquals(100, FuzzChecks.budgeted("budget test step", 10 * 1024, FuzzBudgetTest::allocate100MiB));
            // A cost paid once (the first input that reaches some code loads and instruments its classes) is not the
            // input's: the step is measured again on the same input, and only a second run over budget is a finding.
            boolean[] paid = {false};
            assertEquals(7, FuzzChecks.budgeted("budget test step", 1024, () -> {
                if (!paid[0]) {
                    paid[0] = true;
                    allocate100MiB();
                }
                return 7;
            }));
            assertEquals(1, Files.readAllLines(report).size(), "only the step over budget is reported");
        } finally {
            restore("sluice.fuzz.campaign", before);
            restore(FuzzChecks.REPORT_PROPERTY, reportBefore);
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    private static int allocate100MiB() {
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            chunks.add(new byte[1 << 20]);
            if (chunks.size() > 4) {
                chunks.remove(0); // keep the heap small: the count is of bytes allocated, not retained
            }
        }
        return 100;
    }
}
