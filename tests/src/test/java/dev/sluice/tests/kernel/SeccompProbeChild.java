package dev.sluice.tests.kernel;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The child process of {@link KernelSeccomp}: it installs seccomp filters and issues probe syscalls, and reports what
 * the kernel did. It runs in its own JVM because a filter cannot be removed once installed.
 *
 * <p>Each job runs on a fresh thread that sets no_new_privs and installs the job's filter for itself only (no TSYNC),
 * so the JVM's other threads are never filtered; the filters ALLOW every syscall except the probe numbers anyway.
 * SIGSYS from SECCOMP_RET_TRAP is caught by a handler (an FFM upcall) that records si_errno (the action's data).
 * SECCOMP_RET_KILL_THREAD ends only the probe thread: the main thread sees its task vanish from /proc/self/task and
 * continues with a new thread. SECCOMP_RET_KILL_PROCESS ends this process with SIGSYS; the parent then restarts a
 * child after the probe that killed it.
 *
 * <p>Input: a job file ({@code P <hex program>} then {@code Q <nr> <six hex args>} lines) and the job and probe to
 * start at. Output, one line each, flushed: {@code I job errno} (0 = installed), {@code S job probe} before a probe,
 * {@code R job probe RET value | ERR errno | TRAP data syscall | KILLTHREAD}.
 */
public final class SeccompProbeChild {
    record Job(byte[] program, List<long[]> probes) {}

    private static final PrintStream OUT =
            new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);

    private static volatile boolean trapped;
    private static volatile int trapData;
    private static volatile int trapSyscall;

    private SeccompProbeChild() {}

    public static void main(String[] args) throws Exception {
        List<Job> jobs = read(Path.of(args[0]));
        int startJob = Integer.parseInt(args[1]);
        int startProbe = Integer.parseInt(args[2]);
        // No core file when a probe kills the process with SIGSYS.
        Libc.prctl(Libc.PR_SET_DUMPABLE, 0, 0, 0, 0);
        installTrapHandler();
        for (int j = startJob; j < jobs.size(); j++) {
            runJob(j, jobs.get(j), j == startJob ? startProbe : 0);
        }
        OUT.flush();
        Runtime.getRuntime().halt(0); // threads ended by KILL_THREAD must not keep the JVM waiting
    }

    static List<Job> read(Path file) throws IOException {
        List<Job> jobs = new ArrayList<>();
        HexFormat hex = HexFormat.of();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split(" ");
            if (f[0].equals("P")) {
                jobs.add(new Job(f.length > 1 ? hex.parseHex(f[1]) : new byte[0], new ArrayList<>()));
            } else if (f[0].equals("Q")) {
                long[] probe = new long[7];
                for (int i = 0; i < 7; i++) {
                    probe[i] = Long.parseUnsignedLong(f[i + 1], 16);
                }
                jobs.getLast().probes().add(probe);
            }
        }
        return jobs;
    }

    private static void installTrapHandler() throws Exception {
        var handler = MethodHandles.lookup()
                .findStatic(
                        SeccompProbeChild.class,
                        "onSigsys",
                        MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
        MemorySegment stub = Libc.linker()
                .upcallStub(
                        handler,
                        FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                        Arena.global());
        MemorySegment action = Arena.global().allocate(Libc.SIGACTION_SIZE, 8);
        action.set(ValueLayout.ADDRESS, 0, stub);
        action.set(ValueLayout.JAVA_INT, 136, Libc.SA_SIGINFO | Libc.SA_NODEFER);
        Libc.Result r = Libc.sigaction(Libc.SIGSYS, action, MemorySegment.NULL);
        if (r.failed()) {
            throw new IllegalStateException("sigaction(SIGSYS) failed: " + r);
        }
    }

    /** The SIGSYS handler: siginfo si_errno @4 is SECCOMP_RET_DATA, si_syscall @24. */
    static void onSigsys(int signal, MemorySegment info, MemorySegment context) {
        MemorySegment si = info.reinterpret(128);
        trapData = si.get(ValueLayout.JAVA_INT, 4);
        trapSyscall = si.get(ValueLayout.JAVA_INT, 24);
        trapped = true;
    }

    private static final class ProbeThread extends Thread {
        final int jobIndex;
        final Job job;
        final int from;
        volatile long tid = -1;
        volatile int current = -1;
        volatile boolean installed;

        ProbeThread(int jobIndex, Job job, int from) {
            super("seccomp-probe-" + jobIndex);
            this.jobIndex = jobIndex;
            this.job = job;
            this.from = from;
            setDaemon(true);
        }

        @Override
        public void run() {
            tid = Libc.syscall(Libc.SYS_GETTID, 0, 0, 0, 0, 0, 0).value();
            Libc.Result nnp = Libc.prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            if (nnp.failed()) {
                OUT.println("I " + jobIndex + " " + nnp.errno());
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment prog = Libc.sockFprog(arena, job.program());
                Libc.Result r =
                        Libc.syscall(Libc.SYS_SECCOMP, Libc.SECCOMP_SET_MODE_FILTER, 0, prog.address(), 0, 0, 0);
                if (r.failed()) {
                    OUT.println("I " + jobIndex + " " + r.errno());
                    return;
                }
            }
            installed = true;
            OUT.println("I " + jobIndex + " 0");
            for (int p = from; p < job.probes().size(); p++) {
                long[] q = job.probes().get(p);
                current = p;
                OUT.println("S " + jobIndex + " " + p);
                trapped = false;
                Libc.Result r = Libc.syscall(q[0], q[1], q[2], q[3], q[4], q[5], q[6]);
                String what;
                if (trapped) {
                    what = "TRAP " + trapData + " " + trapSyscall;
                } else if (r.failed()) {
                    what = "ERR " + r.errno();
                } else {
                    what = "RET " + r.value();
                }
                OUT.println("R " + jobIndex + " " + p + " " + what);
            }
            current = -2;
        }
    }

    private static void runJob(int jobIndex, Job job, int from) throws InterruptedException {
        int next = from;
        while (true) {
            ProbeThread t = new ProbeThread(jobIndex, job, next);
            t.start();
            while (true) {
                t.join(5);
                if (!t.isAlive()) {
                    break;
                }
                long tid = t.tid;
                if (tid >= 0 && !Files.exists(Path.of("/proc/self/task/" + tid))) {
                    break; // the kernel ended the thread (SECCOMP_RET_KILL_THREAD); Java never saw it exit
                }
            }
            if (!t.isAlive() || t.current == -2 || !t.installed) {
                return;
            }
            int killedAt = t.current;
            OUT.println("R " + jobIndex + " " + killedAt + " KILLTHREAD");
            next = killedAt + 1;
            if (next >= job.probes().size()) {
                return;
            }
        }
    }
}
