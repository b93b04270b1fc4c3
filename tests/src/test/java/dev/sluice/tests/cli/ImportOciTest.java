package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice import-oci} as a process: a Docker-like profile becomes a policy that checks and runs. */
class ImportOciTest {
    @Test
    void importedProfileIsAPolicyThatChecksAndDecides(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("profile.scpl");
        Sluice.Result imp = Sluice.run("import-oci", "examples/oci-profile.json", "-o", out.toString());
        assertEquals(0, imp.exit(), imp::toString);
        String scpl = Files.readString(out);
        assertTrue(scpl.contains("default_action") && scpl.contains("Allow"), scpl);

        Sluice.Result check = Sluice.run("check", out.toString());
        assertEquals(0, check.exit(), check::toString);
        assertTrue(check.stdout().startsWith(out + ": ok ("), check::toString);

        // Without CAP_SYS_ADMIN the profile hands mount to a supervisor (NOTIFY); read is allowed; kexec_load is
        // listed as KILL_PROCESS; an unlisted call (swapon) gets the default ERRNO(1). With the capability, mount is allowed.
        Sluice.Result run = Sluice.run("run", out.toString(), "--syscall", "read", "--syscall", "mount", "--syscall", "kexec_load", "--syscall", "swapon");
        assertEquals(0, run.exit(), run::toString);
        assertEquals("ALLOW\nNOTIFY\nKILL_PROCESS\nERRNO(1)\n", run.stdout(), run::toString);
        Path admin = dir.resolve("admin.scpl");
        assertEquals(0, Sluice.run("import-oci", "examples/oci-profile.json", "--cap", "CAP_SYS_ADMIN", "-o", admin.toString()).exit());
        assertEquals("ALLOW\n", Sluice.run("run", admin.toString(), "--syscall", "mount").stdout());
    }

    @Test
    void malformedJsonIsALocatedError(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ { \"names\": [\"read\"] \"action\": 1 } ]\n}\n");
        Sluice.Result r = Sluice.run("import-oci", bad.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith(bad + ":3:"), r::toString);
        assertTrue(!r.stderr().contains("Exception") && !r.stderr().contains("\tat "), r::toString);
    }
}
