package dev.sluice.tests.kernel;

import static dev.sluice.bpf.isa.Opcodes.*;

import dev.sluice.bpf.formats.RawFormat;
import dev.sluice.bpf.isa.Insn;
import dev.sluice.bpf.isa.Program;
import dev.sluice.core.seccomp.SeccompAction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Seccomp filters run by the live kernel, in child JVMs ({@link SeccompProbeChild}), never in the test JVM.
 *
 * <p>A tested program P only sees the probe syscalls: the child installs {@link #wrap W(P)}, which ALLOWs every syscall
 * number except getppid (110) and the unused numbers 1000-1999, and runs P on those. getppid tells ALLOW apart from
 * the actions that skip the call (its result is the parent's pid); the unused numbers give ENOSYS when allowed. P
 * starts with A = X = 0 and no scratch cell written, exactly as when installed alone, and W(P) is accepted by the
 * kernel exactly when P is (the prefix writes no scratch memory and P's jumps are relative).
 *
 * <p>The instruction pointer in struct seccomp_data cannot be predicted, so tested programs must not load it (bytes
 * 8-15); the arch is always AUDIT_ARCH_X86_64.
 */
public final class KernelSeccomp {
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    public static final int FIRST_UNUSED_NR = 1000;
    public static final int LAST_UNUSED_NR = 1999;
    public static final int PREFIX_LENGTH = 6;

    /** One syscall to issue: its number and its six arguments. */
    public record Probe(int nr, long... args) {
        public Probe {
            if (nr != Libc.SYS_GETPPID && (nr < FIRST_UNUSED_NR || nr > LAST_UNUSED_NR)) {
                throw new IllegalArgumentException("probe syscall " + nr + " is not getppid or unused (1000-1999)");
            }
            if (args.length != 6) {
                args = Arrays.copyOf(args, 6);
            }
        }
    }

    /** A tested program (raw instructions, host order) and the probes to run under it. */
    public record Job(byte[] program, List<Probe> probes) {}

    /** What the kernel did for one probe, or for the installation. */
    public sealed interface Outcome {
        /** The syscall returned a value >= 0. */
        record Returned(long value) implements Outcome {}

        /** The syscall failed with errno. */
        record Failed(int errno) implements Outcome {}

        /** SIGSYS was delivered (SECCOMP_RET_TRAP) with si_errno = the action's data. */
        record Trapped(int data) implements Outcome {}

        /** The probe thread was ended (SECCOMP_RET_KILL_THREAD). */
        record ThreadKilled() implements Outcome {}

        /** The child process died; exit 159 = 128 + SIGSYS (SECCOMP_RET_KILL_PROCESS). */
        record ProcessKilled(int exitValue) implements Outcome {}

        /** seccomp(SECCOMP_SET_MODE_FILTER) failed with errno (EINVAL: the kernel rejected the program). */
        record NotInstalled(int errno) implements Outcome {}
    }

    /** Per job: the installation result ({@code null} = installed) and one outcome per probe. */
    public record JobResult(Outcome.NotInstalled rejected, List<Outcome> outcomes) {}

    private KernelSeccomp() {}

    private static String unavailable;
    private static boolean checked;

    /**
     * Why live seccomp cannot be used here, or null when it can. Runs one child with an always-ALLOW probe, once per
     * JVM.
     */
    public static synchronized String unavailableReason() {
        if (!checked) {
            unavailable = checkAvailable();
            checked = true;
        }
        return unavailable;
    }

    private static String checkAvailable() {
        if (!Libc.SUPPORTED) {
            return "live-kernel seccomp needs Linux on x86_64 (os.name=" + System.getProperty("os.name") + ", os.arch="
                    + System.getProperty("os.arch") + ")";
        }
        try {
            byte[] allow = RawFormat.encode(
                    Program.of(Insn.stmt(RET | K, SeccompAction.ALLOW.value)), ByteOrder.nativeOrder());
            JobResult r = run(List.of(new Job(allow, List.of(new Probe(Libc.SYS_GETPPID)))), 60)
                    .getFirst();
            if (r.rejected() != null) {
                return "seccomp(SECCOMP_SET_MODE_FILTER) failed with errno "
                        + r.rejected().errno()
                        + (r.rejected().errno() == Libc.EINVAL
                                ? " (seccomp filters not supported by this kernel?)"
                                : "");
            }
            Outcome o = r.outcomes().getFirst();
            if (!(o instanceof Outcome.Returned ret)
                    || ret.value() != ProcessHandle.current().pid()) {
                return "an ALLOW filter did not let getppid return the parent's pid: " + o;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot run the seccomp child process: " + e;
        }
    }

    /** W(P): the ALLOW-all-but-probes prefix, then P with A reset to 0. */
    public static byte[] wrap(byte[] program) {
        Insn[] prefix = {
            Insn.stmt(LD | W | ABS, 0), // A = nr
            Insn.jump(JMP | JEQ | K, Libc.SYS_GETPPID, 3, 0), // getppid: run P
            Insn.jump(JMP | JGE | K, FIRST_UNUSED_NR, 0, 1),
            Insn.jump(JMP | JGT | K, LAST_UNUSED_NR, 0, 1),
            Insn.stmt(RET | K, SeccompAction.ALLOW.value), // any other syscall
            Insn.stmt(LD | IMM, 0), // P starts with A = 0
        };
        byte[] head = RawFormat.encode(Program.of(prefix), ByteOrder.nativeOrder());
        byte[] all = new byte[head.length + program.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(program, 0, all, head.length, program.length);
        return all;
    }

    /**
     * The outcome the kernel gives for a verdict of P on a probe, per kernel/seccomp.c: ALLOW and LOG run the
     * syscall; ERRNO returns -min(data, 4095) (0 is a success returning 0); TRACE without a tracer and USER_NOTIF
     * without a listener fail with ENOSYS; TRAP raises SIGSYS with the data; KILL_THREAD ends the thread; KILL_PROCESS
     * and unknown actions end the process with SIGSYS.
     */
    public static Outcome predict(int verdict, Probe probe, long parentPid) {
        int data = verdict & SeccompAction.DATA_MASK;
        return switch (SeccompAction.of(verdict)) {
            case ALLOW, LOG ->
                probe.nr() == Libc.SYS_GETPPID ? new Outcome.Returned(parentPid) : new Outcome.Failed(Libc.ENOSYS);
            case ERRNO ->
                data == 0 ? new Outcome.Returned(0) : new Outcome.Failed(Math.min(data, SeccompAction.MAX_ERRNO));
            case TRACE, USER_NOTIF -> new Outcome.Failed(Libc.ENOSYS);
            case TRAP -> new Outcome.Trapped(data);
            case KILL_THREAD -> new Outcome.ThreadKilled();
            case KILL_PROCESS -> new Outcome.ProcessKilled(128 + Libc.SIGSYS);
        };
    }

    public static List<JobResult> run(List<Job> jobs) throws IOException {
        return run(jobs, 60);
    }

    /**
     * Runs the jobs in as few child processes as possible: a child that dies (KILL_PROCESS) is replaced by one that
     * starts after the probe that killed it.
     */
    public static List<JobResult> run(List<Job> jobs, int timeoutSeconds) throws IOException {
        Path file = Files.createTempFile("sluice-seccomp-jobs", ".txt");
        try {
            StringBuilder sb = new StringBuilder();
            HexFormat hex = HexFormat.of();
            for (Job j : jobs) {
                sb.append("P ").append(hex.formatHex(wrap(j.program()))).append('\n');
                for (Probe p : j.probes()) {
                    sb.append("Q ").append(Integer.toHexString(p.nr()));
                    for (long a : p.args()) {
                        sb.append(' ').append(Long.toHexString(a));
                    }
                    sb.append('\n');
                }
            }
            Files.writeString(file, sb);
            List<Outcome.NotInstalled> rejected = new ArrayList<>();
            List<Outcome[]> outcomes = new ArrayList<>();
            for (Job j : jobs) {
                rejected.add(null);
                outcomes.add(new Outcome[j.probes().size()]);
            }
            int startJob = 0;
            int startProbe = 0;
            int children = 0;
            while (startJob < jobs.size()) {
                if (++children > jobs.size() * 20 + 10) {
                    throw new IllegalStateException("seccomp children keep dying without progress");
                }
                int[] last = runChild(file, startJob, startProbe, rejected, outcomes, timeoutSeconds);
                if (last == null) {
                    break; // completed
                }
                int j = last[0];
                int p = last[1];
                outcomes.get(j)[p] = new Outcome.ProcessKilled(last[2]);
                if (p + 1 < jobs.get(j).probes().size()) {
                    startJob = j;
                    startProbe = p + 1;
                } else {
                    startJob = j + 1;
                    startProbe = 0;
                }
            }
            List<JobResult> results = new ArrayList<>();
            for (int i = 0; i < jobs.size(); i++) {
                Outcome[] os = outcomes.get(i);
                for (int p = 0; p < os.length; p++) {
                    if (os[p] == null && rejected.get(i) == null) {
                        throw new IllegalStateException("no outcome for job " + i + " probe " + p);
                    }
                }
                results.add(new JobResult(rejected.get(i), Arrays.asList(os)));
            }
            return results;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Runs one child; returns null when it finished every job, else {job, probe, exitValue} of the killing probe. */
    private static int[] runChild(
            Path file,
            int startJob,
            int startProbe,
            List<Outcome.NotInstalled> rejected,
            List<Outcome[]> outcomes,
            int timeoutSeconds)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xshare:auto",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                SeccompProbeChild.class.getName(),
                file.toString(),
                Integer.toString(startJob),
                Integer.toString(startProbe));
        Process child = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        child.getOutputStream().close();
        StringBuilder err = new StringBuilder();
        Thread errReader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (err) {
                        err.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        // A hung child must not hang the test: end it after the timeout, which also ends the reads below.
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread.ofVirtual().start(() -> {
            try {
                if (!child.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    timedOut.set(true);
                    child.destroyForcibly();
                }
            } catch (InterruptedException e) {
                child.destroyForcibly();
            }
        });
        int[] lastStarted = null;
        boolean lastFinished = true;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                String[] f = line.split(" ");
                int j = Integer.parseInt(f[1]);
                switch (f[0]) {
                    case "I" -> {
                        int errno = Integer.parseInt(f[2]);
                        rejected.set(j, errno == 0 ? null : new Outcome.NotInstalled(errno));
                    }
                    case "S" -> {
                        lastStarted = new int[] {j, Integer.parseInt(f[2]), 0};
                        lastFinished = false;
                    }
                    case "R" -> {
                        int p = Integer.parseInt(f[2]);
                        outcomes.get(j)[p] = switch (f[3]) {
                            case "RET" -> new Outcome.Returned(Long.parseLong(f[4]));
                            case "ERR" -> new Outcome.Failed(Integer.parseInt(f[4]));
                            case "TRAP" -> new Outcome.Trapped(Integer.parseInt(f[4]));
                            case "KILLTHREAD" -> new Outcome.ThreadKilled();
                            default -> throw new IllegalStateException("child said: " + line);
                        };
                        lastFinished = true;
                    }
                    default -> throw new IllegalStateException("child said: " + line);
                }
            }
        }
        try {
            child.waitFor();
            if (timedOut.get()) {
                throw new IllegalStateException("seccomp child did not finish in " + timeoutSeconds + " s");
            }
            errReader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int exit = child.exitValue();
        if (exit == 0) {
            return null;
        }
        if (lastStarted == null || lastFinished) {
            String stderr;
            synchronized (err) {
                stderr = err.toString();
            }
            throw new IllegalStateException("seccomp child failed (exit " + exit + ") outside a probe:\n" + stderr);
        }
        lastStarted[2] = exit;
        return lastStarted;
    }
}
