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
        // listed as KILL_PROCESS; an unlisted call (swapon) gets the default ERRNO(1). With the capability, mount is
        // allowed.
        Sluice.Result run = Sluice.run(
                "run",
                out.toString(),
                "--syscall",
                "read",
                "--syscall",
                "mount",
                "--syscall",
                "kexec_load",
                "--syscall",
                "swapon");
        assertEquals(0, run.exit(), run::toString);
        assertEquals("ALLOW\nNOTIFY\nKILL_PROCESS\nERRNO(1)\n", run.stdout(), run::toString);
        Path admin = dir.resolve("admin.scpl");
        assertEquals(
                0,
                Sluice.run("import-oci", "examples/oci-profile.json", "--cap", "CAP_SYS_ADMIN", "-o", admin.toString())
                        .exit());
        assertEquals(
                "ALLOW\n",
                Sluice.run("run", admin.toString(), "--syscall", "mount").stdout());
    }

    /**
     * Docker's and podman's real default profiles (examples/, from moby and containers-common): imported, they compile
     * for each of their arches alone and for all at once, with nothing on stderr (no error, no warning).
     */
    @Test
    void realProfilesCompileForEachArchAndForAllWithoutWarnings(@TempDir Path dir) throws Exception {
        for (String profile : new String[] {"docker-default.json", "podman-default.json"}) {
            Path scpl = dir.resolve(profile.replace(".json", ".scpl"));
            Sluice.Result imp =
                    Sluice.run("import-oci", "examples/" + profile, "-o", scpl.toString(), "--kernel", "6.1");
            assertEquals(0, imp.exit(), imp::toString);
            assertEquals("", imp.stderr(), imp::toString);
            String[][] archOptions = profile.startsWith("docker")
                    ? new String[][] {{}, {"--arch", "x86_64"}, {"--arch", "x86"}, {"--arch", "x32"}}
                    : new String[][] {{}, {"--arch", "x86", "--arch", "x32"}
                    }; // every combination is in OciImporterTest
            for (String[] arches : archOptions) {
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
                        "compile", scpl.toString(), "-o", dir.resolve("out.bpf").toString()));
                args.addAll(java.util.List.of(arches));
                Sluice.Result c = Sluice.run(args.toArray(String[]::new));
                assertEquals(0, c.exit(), () -> profile + " " + String.join(" ", arches) + ": " + c);
                assertEquals("", c.stderr(), () -> profile + " " + String.join(" ", arches) + ": " + c);
                assertTrue(Files.size(dir.resolve("out.bpf")) > 8 * 20, c::toString);
            }
        }
        // the verdicts: chown32 is x86's, newfstatat x86_64's; Docker's default is EPERM, podman's ENOSYS (and EPERM
        // for a list)
        Path docker = dir.resolve("docker-default.scpl");
        Sluice.Result x86 = Sluice.run(
                "run",
                docker.toString(),
                "--arch",
                "x86",
                "--syscall",
                "chown32",
                "--syscall",
                "mount",
                "--syscall",
                "fstatat64");
        assertEquals("ALLOW\nERRNO(1)\nALLOW\n", x86.stdout(), x86::toString);
        Sluice.Result x64 = Sluice.run(
                "run", docker.toString(), "--syscall", "newfstatat", "--syscall", "syslog", "--syscall", "clone3");
        assertEquals("ALLOW\nERRNO(1)\nERRNO(38)\n", x64.stdout(), x64::toString);
        Sluice.Result podman = Sluice.run(
                "run",
                dir.resolve("podman-default.scpl").toString(),
                "--syscall",
                "newfstatat",
                "--syscall",
                "add_key",
                "--syscall",
                "swapon");
        assertEquals("ALLOW\nERRNO(38)\nERRNO(1)\n", podman.stdout(), podman::toString);
    }

    /** minKernel is evaluated for --kernel (default: the running kernel): Docker allows ptrace from kernel 4.8 on. */
    @Test
    void minKernelFollowsTheKernelOption(@TempDir Path dir) throws Exception {
        Path old = dir.resolve("old.scpl");
        Path recent = dir.resolve("recent.scpl");
        Path running = dir.resolve("running.scpl");
        assertEquals(
                0,
                Sluice.run("import-oci", "examples/docker-default.json", "--kernel", "4.4", "-o", old.toString())
                        .exit());
        assertEquals(
                0,
                Sluice.run(
                                "import-oci",
                                "examples/docker-default.json",
                                "--kernel",
                                "4.8.0-1-amd64",
                                "-o",
                                recent.toString())
                        .exit());
        assertEquals(
                0,
                Sluice.run("import-oci", "examples/docker-default.json", "-o", running.toString())
                        .exit());
        assertTrue(Files.readString(old).contains("left out, needs kernel 4.8 or later (evaluated for kernel 4.4)"));
        assertEquals(
                "ERRNO(1)\n",
                Sluice.run("run", old.toString(), "--syscall", "ptrace").stdout());
        assertEquals(
                "ALLOW\n",
                Sluice.run("run", recent.toString(), "--syscall", "ptrace").stdout());
        String release = System.getProperty("os.version");
        String kernel = release.replaceAll("^(\\d+\\.\\d+).*", "$1");
        assertTrue(
                Files.readString(running).contains("includes.minKernel 4.8: kernel " + kernel + " is new enough"),
                release);
        Sluice.Result bad = Sluice.run("import-oci", "examples/docker-default.json", "--kernel", "four");
        assertEquals(2, bad.exit(), bad::toString);
        assertEquals(
                "sluice import-oci: --kernel four: expected a kernel version such as 6.8 (or a release such as 6.8.0-45-generic)\n",
                bad.stderr());
    }

    @Test
    void malformedJsonIsALocatedError(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(
                bad,
                "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [ { \"names\": [\"read\"] \"action\": 1 } ]\n}\n");
        Sluice.Result r = Sluice.run("import-oci", bad.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().startsWith(bad + ":3:"), r::toString);
        assertTrue(!r.stderr().contains("Exception") && !r.stderr().contains("\tat "), r::toString);
    }
}
