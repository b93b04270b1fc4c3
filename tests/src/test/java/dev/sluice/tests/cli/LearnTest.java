package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sluice learn}: real programs of this machine run under the kernel's seccomp user notification, the learned
 * policy is written, then {@code sluice exec} with that policy runs the same command to the same result, and a
 * command that does something the run did not (mkdir) is denied by the kernel.
 */
class LearnTest {
    @BeforeAll
    static void needsSeccompOnX86_64() throws IOException {
        boolean linux = System.getProperty("os.name").equals("Linux");
        boolean seccomp =
                linux && Files.readString(Path.of("/proc/self/status")).contains("Seccomp:");
        boolean x86 = System.getProperty("os.arch").equals("amd64");
        if (!(seccomp && x86)) {
            System.err.println("SKIPPED: LearnTest needs Linux with seccomp on x86_64");
        }
        Assumptions.assumeTrue(seccomp && x86, "SKIPPED: needs Linux with seccomp on x86_64");
    }

    static void needsProgram(String name) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            found |= Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, name));
        }
        if (!found) {
            System.err.println("SKIPPED: LearnTest: " + name + " is not installed");
        }
        Assumptions.assumeTrue(found, "SKIPPED: " + name + " is not installed");
    }

    static List<String> args(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof String[] a) {
                out.addAll(List.of(a));
            } else {
                out.add(p.toString());
            }
        }
        return out;
    }

    /** Learns a policy from one run of {@code command}; returns the run's result and checks the summary line. */
    static Sluice.Result learn(Path policy, boolean withArgs, String... command) throws IOException {
        List<String> a = withArgs
                ? args("learn", "--args", "-o", policy, "--", command)
                : args("learn", "-o", policy, "--", command);
        Sluice.Result r = Sluice.run(a.toArray(String[]::new));
        if (r.stderr().contains("seccomp user notification needs")) {
            System.err.println("SKIPPED: LearnTest: the kernel has no seccomp user notification: " + r.stderr());
            Assumptions.abort("SKIPPED: no seccomp user notification");
        }
        assertTrue(
                r.stderr().contains("sluice learn: ")
                        && r.stderr().contains(" calls of ")
                        && r.stderr().contains("wrote " + policy),
                r::toString);
        String text = Files.readString(policy);
        assertTrue(text.startsWith("# Learned by `sluice learn"), text);
        assertTrue(text.contains("execve"), "the command's own execve is learned:\n" + text);
        Sluice.Result check = Sluice.run("check", policy.toString());
        assertEquals(0, check.exit(), check::toString);
        return r;
    }

    static Sluice.Result exec(Path policy, String... command) {
        return Sluice.run(args("exec", policy, "--", command).toArray(String[]::new));
    }

    /** mkdir was not part of the learned run: the kernel refuses it with EPERM, and nothing is created. */
    static void mkdirIsDenied(Path policy, Path dir) {
        Path target = dir.resolve("not-learned");
        Sluice.Result r = exec(policy, "mkdir", target.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.stderr().contains("Operation not permitted"), r::toString);
        assertFalse(Files.exists(target), "the directory must not exist");
    }

    @Test
    void lsLearnsThenRunsAndMkdirIsDenied(@TempDir Path dir) throws IOException {
        Path listed = Files.createDirectory(dir.resolve("listed"));
        Files.writeString(listed.resolve("a.txt"), "a");
        Files.createDirectory(listed.resolve("sub"));
        Path policy = dir.resolve("ls.scpl");
        String[] ls = {"ls", "-l", listed.toString()};
        Sluice.Result learned = learn(policy, false, ls);
        assertEquals(0, learned.exit(), learned::toString);
        assertTrue(learned.stdout().contains("a.txt") && learned.stdout().contains("sub"), learned::toString);
        String text = Files.readString(policy);
        assertTrue(text.contains("# files: names and metadata: ") && text.contains("getdents64"), text);
        assertFalse(text.contains("mkdir"), text);
        Sluice.Result again = exec(policy, ls);
        assertEquals(0, again.exit(), again::toString);
        assertEquals(learned.stdout(), again.stdout(), again::toString);
        mkdirIsDenied(policy, dir);
    }

    /** The learned command gets standard input, output and error, none of the child JVM's own descriptors. */
    @Test
    void theLearnedCommandGetsNoneOfTheJvmsDescriptors(@TempDir Path dir) throws IOException {
        Sluice.Result learned = learn(dir.resolve("fds.scpl"), false, "/bin/ls", "/proc/self/fd");
        // 0-2, and 3, the listing's own
        assertEquals(List.of("0", "1", "2", "3"), learned.stdout().lines().toList(), learned::toString);
    }

    /** A shell that forks and execs two more programs: children are supervised too. */
    @Test
    void shellWithChildrenLearnsThemAll(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("f"), "one\ntwo\n");
        Path policy = dir.resolve("sh.scpl");
        String[] sh = {"/bin/sh", "-c", "echo start; cat " + dir.resolve("f") + " | wc -l"};
        Sluice.Result learned = learn(policy, false, sh);
        assertEquals("start\n2\n", learned.stdout(), learned::toString);
        String text = Files.readString(policy);
        assertTrue(
                text.matches("(?s).*# program start and process: .*execve ([3-9]|[1-9][0-9]+)\\b.*"),
                "sh, cat and wc each exec:\n" + text);
        assertTrue(text.contains("clone") || text.contains("fork"), text);
        Sluice.Result again = exec(policy, sh);
        assertEquals(0, again.exit(), again::toString);
        assertEquals("start\n2\n", again.stdout(), again::toString);
        mkdirIsDenied(policy, dir);
        // a different script: the shell cannot do it (dash starts mkdir with vfork, which the run did not use, or
        // mkdir gets EPERM)
        Sluice.Result shMkdir = exec(policy, "/bin/sh", "-c", "mkdir " + dir.resolve("x"));
        assertTrue(
                shMkdir.exit() != 0
                        && (shMkdir.stderr().contains("Cannot fork")
                                || shMkdir.stderr().contains("Operation not permitted")),
                shMkdir::toString);
        assertFalse(Files.exists(dir.resolve("x")));
    }

    /** --args keeps the socket family the run used: AF_INET is allowed, AF_INET6 is not. */
    @Test
    void python3SocketFamilyWithArgs(@TempDir Path dir) throws IOException {
        needsProgram("python3");
        Path policy = dir.resolve("py.scpl");
        String inet = "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.close(); print('ok')";
        Sluice.Result learned = learn(policy, true, "python3", "-c", inet);
        assertEquals("ok\n", learned.stdout(), learned::toString);
        String text = Files.readString(policy);
        // the AF_INET socket the program made is one condition of the socket rule; the run may also have made
        // others (on CI, python3's start-up opened an AF_UNIX socket first), which become further `||` conditions
        assertTrue(
                text.matches(
                        "(?s).*\\n    Allow socket if [^;]*\\blow32\\(arg0\\) == AF_INET && low32\\(arg1\\) == SOCK_STREAM\\|SOCK_CLOEXEC && low32\\(arg2\\) == 0[;\\n].*"),
                text);
        assertFalse(text.contains("AF_INET6"), text);
        assertTrue(
                text.contains("Allow ioctl if ") || !text.contains("ioctl"),
                "ioctl requests are kept with --args:\n" + text);
        Sluice.Result again = exec(policy, "python3", "-c", inet);
        assertEquals(0, again.exit(), again::toString);
        assertEquals("ok\n", again.stdout());
        Sluice.Result inet6 = exec(policy, "python3", "-c", inet.replace("AF_INET", "AF_INET6"));
        assertEquals(1, inet6.exit(), inet6::toString);
        assertTrue(inet6.stderr().contains("PermissionError: [Errno 1] Operation not permitted"), inet6::toString);
    }

    @Test
    void tarAndCurlVersion(@TempDir Path dir) throws IOException {
        needsProgram("tar");
        Files.writeString(dir.resolve("data.txt"), "payload\n");
        Path archive = dir.resolve("a.tar");
        Path tarPolicy = dir.resolve("tar.scpl");
        String[] tar = {"tar", "-cf", archive.toString(), "-C", dir.toString(), "data.txt"};
        assertEquals(0, learn(tarPolicy, false, tar).exit());
        byte[] first = Files.readAllBytes(archive);
        Files.delete(archive);
        Sluice.Result again = exec(tarPolicy, tar);
        assertEquals(0, again.exit(), again::toString);
        assertEquals(first.length, Files.size(archive));
        mkdirIsDenied(tarPolicy, dir);

        needsProgram("curl");
        Path curlPolicy = dir.resolve("curl.scpl");
        Sluice.Result version = learn(curlPolicy, true, "curl", "--version");
        assertEquals(0, version.exit(), version::toString);
        assertTrue(version.stdout().startsWith("curl "), version::toString);
        Sluice.Result curlAgain = exec(curlPolicy, "curl", "--version");
        assertEquals(0, curlAgain.exit(), curlAgain::toString);
        assertEquals(version.stdout(), curlAgain.stdout());
        mkdirIsDenied(curlPolicy, dir);
    }

    /** The command line goes into the policy's first comment line: quoted like a shell word, on one line. */
    @Test
    void theCommandLineIsQuotedInTheHeader(@TempDir Path dir) throws IOException {
        Path policy = dir.resolve("echo.scpl");
        Sluice.Result r = learn(policy, false, "/bin/echo", "it's", "two\nlines");
        assertEquals("it's two\nlines\n", r.stdout(), r::toString);
        assertTrue(
                Files.readString(policy)
                        .startsWith(
                                "# Learned by `sluice learn` from one run of: /bin/echo 'it'\\''s' 'two\\nlines'\n"),
                Files.readString(policy));
    }

    @Test
    void errorsAreOneLine(@TempDir Path dir) {
        Sluice.Result none = Sluice.run("learn", "-o", dir.resolve("p.scpl").toString());
        assertEquals(2, none.exit(), none::toString);
        assertTrue(none.stderr().startsWith("sluice learn: no command given"), none::toString);
        Sluice.Result missing = Sluice.run("learn", "--", "no-such-command-anywhere");
        assertEquals(127, missing.exit(), missing::toString);
        assertEquals(1, missing.stderrLines().size(), missing::toString);
        assertFalse(Files.exists(dir.resolve("p.scpl")));
    }
}
