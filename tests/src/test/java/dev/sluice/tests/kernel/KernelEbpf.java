package dev.sluice.tests.kernel;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The live kernel's eBPF, driven through {@code bpf(2)} with the FFM API: load a program (with the verifier's log when
 * it is refused), run it once or many times on a packet ({@code BPF_PROG_TEST_RUN}), and create, read and write maps.
 * Every descriptor this class hands out must be closed with {@link #close(int)}.
 *
 * <p>Constants and the offsets in {@code union bpf_attr} are from the kernel's uapi header
 * {@code include/uapi/linux/bpf.h} (enum bpf_cmd, enum bpf_prog_type, enum bpf_map_type, and the anonymous structs
 * for BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_MAP_CREATE and BPF_MAP_*_ELEM); the system call number is x86_64's
 * ({@code arch/x86/entry/syscalls/syscall_64.tbl}).
 */
public final class KernelEbpf {
    public static final int SYS_BPF = 321;

    public static final int BPF_MAP_CREATE = 0;
    public static final int BPF_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_MAP_UPDATE_ELEM = 2;
    public static final int BPF_MAP_DELETE_ELEM = 3;
    public static final int BPF_MAP_GET_NEXT_KEY = 4;
    public static final int BPF_PROG_LOAD = 5;
    public static final int BPF_PROG_TEST_RUN = 10;
    public static final int BPF_MAP_FREEZE = 22;

    public static final int BPF_PROG_TYPE_SOCKET_FILTER = 1;
    public static final int BPF_PROG_TYPE_XDP = 6;

    public static final int BPF_MAP_TYPE_HASH = 1;
    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_PROG_ARRAY = 3;
    public static final int BPF_MAP_TYPE_PERCPU_HASH = 5;
    public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int BPF_MAP_TYPE_LRU_HASH = 9;

    /** Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
    public static final long BPF_ANY = 0;

    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;

    public static final int ENOENT = 2;
    public static final int ENOSPC = 28;

    /** The part of union bpf_attr this class writes; the kernel requires every byte past what it knows to be zero. */
    private static final int ATTR_SIZE = 160;
    /** Verifier logs of the random programs fit easily; a larger log would be truncated (ENOSPC, still a refusal). */
    private static final int LOG_SIZE = 1 << 20;
    /** XDP_PACKET_HEADROOM (256) plus the skb_shared_info tail keep test-run packets below one 4 KiB page. */
    public static final int MAX_XDP_PACKET = 3000;
    /** ETH_HLEN: a socket filter's test run takes an Ethernet frame and runs the program on what follows it. */
    public static final int ETH_HLEN = 14;

    private KernelEbpf() {}

    /** Why eBPF on the live kernel is unusable here, or null when it works; tests use it to skip visibly. */
    public static String unavailableReason() {
        if (!Libc.SUPPORTED) {
            return "live-kernel eBPF needs Linux on x86_64 (os.name=" + System.getProperty("os.name") + ", os.arch="
                    + System.getProperty("os.arch") + ")";
        }
        // r0 = 0; exit
        byte[] probe = {(byte) 0xb7, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        Load load = load(BPF_PROG_TYPE_SOCKET_FILTER, probe);
        if (!load.ok()) {
            return "bpf(BPF_PROG_LOAD) of a two-instruction socket filter failed with errno " + load.errno()
                    + (load.errno() == Libc.EPERM ? " (EPERM: not root, or CAP_BPF missing)" : "");
        }
        close(load.fd());
        return null;
    }

    /** The outcome of BPF_PROG_LOAD: a program descriptor, or the errno and the verifier's log. */
    public record Load(int fd, int errno, String log) {
        public boolean ok() {
            return fd >= 0;
        }
    }

    /**
     * Loads raw instructions (8 bytes each, little-endian as on x86_64) as a program of the given type, license
     * "GPL" (some helpers require it). On refusal the program is loaded a second time with log level 1 to get the
     * verifier's log: the first attempt skips the log, which keeps the common case fast.
     */
    public static Load load(int progType, byte[] insns) {
        Load quick = load(progType, insns, 0);
        return quick.ok() ? quick : load(progType, insns, 1);
    }

    private static Load load(int progType, byte[] insns, int logLevel) {
        if (insns.length % 8 != 0) {
            throw new IllegalArgumentException("eBPF instructions are 8 bytes each, got " + insns.length + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(Math.max(8, insns.length), 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE, 0, insns.length);
            MemorySegment license = arena.allocateFrom("GPL", StandardCharsets.US_ASCII);
            MemorySegment log = logLevel > 0 ? arena.allocate(LOG_SIZE) : MemorySegment.NULL;
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progType); // prog_type
            attr.set(JAVA_INT, 4, insns.length / 8); // insn_cnt
            attr.set(JAVA_LONG, 8, code.address()); // insns
            attr.set(JAVA_LONG, 16, license.address()); // license
            attr.set(JAVA_INT, 24, logLevel); // log_level
            attr.set(JAVA_INT, 28, logLevel > 0 ? LOG_SIZE : 0); // log_size
            attr.set(JAVA_LONG, 32, log.address()); // log_buf
            Libc.Result r = bpf(BPF_PROG_LOAD, attr);
            String text = logLevel > 0 ? log.getString(0, StandardCharsets.US_ASCII) : "";
            return r.failed() ? new Load(-1, r.errno(), text) : new Load((int) r.value(), 0, text);
        }
    }

    /**
     * The instructions the kernel's verifier visited on some path (log level 2 prints each one it processes), or null
     * when the log does not fit. An instruction it never visited is dead to it: a privileged program's translated
     * code no longer has it (the verifier's opt_remove_dead_code).
     */
    public static java.util.Set<Integer> visitedByVerifier(int progType, byte[] insns) {
        int size = 64 << 20;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(Math.max(8, insns.length), 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE, 0, insns.length);
            MemorySegment license = arena.allocateFrom("GPL", StandardCharsets.US_ASCII);
            MemorySegment log = arena.allocate(size);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progType);
            attr.set(JAVA_INT, 4, insns.length / 8);
            attr.set(JAVA_LONG, 8, code.address());
            attr.set(JAVA_LONG, 16, license.address());
            attr.set(JAVA_INT, 24, 2); // log_level 2: every instruction processed
            attr.set(JAVA_INT, 28, size);
            attr.set(JAVA_LONG, 32, log.address());
            Libc.Result r = bpf(BPF_PROG_LOAD, attr);
            if (r.failed()) {
                return null;
            }
            close((int) r.value());
            java.util.Set<Integer> visited = new java.util.TreeSet<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^(\\d+): \\(")
                    .matcher(log.getString(0, StandardCharsets.US_ASCII));
            while (m.find()) {
                visited.add(Integer.parseInt(m.group(1)));
            }
            return visited;
        }
    }

    /** Loads a program the caller expects the kernel to accept; throws with the verifier's log otherwise. */
    public static int loadOrThrow(int progType, byte[] insns) {
        Load load = load(progType, insns);
        if (!load.ok()) {
            throw new IllegalStateException(
                    "the kernel refused the program (errno " + load.errno() + "):\n" + load.log());
        }
        return load.fd();
    }

    /** What one BPF_PROG_TEST_RUN gave: the program's return value, the packet after it, the mean time per run. */
    public record TestRun(int retval, byte[] dataOut, int durationNanos, byte[] ctxOut) {}

    /** Runs a loaded program once on a packet (for a socket filter: an Ethernet frame, see {@link #ETH_HLEN}). */
    public static TestRun testRun(int progFd, byte[] data) {
        return testRun(progFd, data, 1, null, 0);
    }

    /**
     * BPF_PROG_TEST_RUN: runs the program {@code repeat} times on {@code data}, optionally with an input context
     * ({@code struct __sk_buff} or {@code struct xdp_md}) and room for the output context. Throws with the errno if the
     * kernel refuses the run (for example a packet shorter than an Ethernet header for a socket filter).
     */
    public static TestRun testRun(int progFd, byte[] data, int repeat, byte[] ctxIn, int ctxOutSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Math.max(1, data.length), 8);
            MemorySegment.copy(data, 0, in, JAVA_BYTE, 0, data.length);
            int outSize = data.length + 512; // room for a program that grows the packet
            MemorySegment out = arena.allocate(outSize, 8);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, progFd); // prog_fd
            attr.set(JAVA_INT, 8, data.length); // data_size_in
            attr.set(JAVA_INT, 12, outSize); // data_size_out
            attr.set(JAVA_LONG, 16, in.address()); // data_in
            attr.set(JAVA_LONG, 24, out.address()); // data_out
            attr.set(JAVA_INT, 32, repeat); // repeat
            MemorySegment ctxOut = MemorySegment.NULL;
            if (ctxIn != null) {
                MemorySegment ctx = arena.allocate(Math.max(1, ctxIn.length), 8);
                MemorySegment.copy(ctxIn, 0, ctx, JAVA_BYTE, 0, ctxIn.length);
                attr.set(JAVA_INT, 40, ctxIn.length); // ctx_size_in
                attr.set(JAVA_LONG, 48, ctx.address()); // ctx_in
            }
            if (ctxOutSize > 0) {
                ctxOut = arena.allocate(ctxOutSize, 8);
                attr.set(JAVA_INT, 44, ctxOutSize); // ctx_size_out
                attr.set(JAVA_LONG, 56, ctxOut.address()); // ctx_out
            }
            Libc.Result r = bpf(BPF_PROG_TEST_RUN, attr);
            if (r.failed()) {
                throw new IllegalStateException("bpf(BPF_PROG_TEST_RUN) on a packet of " + data.length
                        + " bytes failed with errno " + r.errno());
            }
            int retval = attr.get(JAVA_INT, 4);
            int produced = attr.get(JAVA_INT, 12);
            int duration = attr.get(JAVA_INT, 36);
            byte[] dataOut = out.asSlice(0, produced).toArray(JAVA_BYTE);
            byte[] ctx =
                    ctxOutSize > 0 ? ctxOut.asSlice(0, attr.get(JAVA_INT, 44)).toArray(JAVA_BYTE) : null;
            return new TestRun(retval, dataOut, duration, ctx);
        }
    }

    /**
     * Whether a socket filter's test run refuses this frame with EINVAL although it is at least {@link #ETH_HLEN}
     * long: an IPv4 frame (EtherType 0x0800) shorter than 14 + 20 bytes, or IPv6 (0x86dd) shorter than 14 + 40, as
     * measured on Linux 6.18 ({@code KernelEbpfTest}); the test run reads the IP header to set up its socket.
     */
    public static boolean socketTestRunRefuses(byte[] frame) {
        if (frame.length < ETH_HLEN) {
            return true;
        }
        int etherType = (frame[12] & 0xff) << 8 | (frame[13] & 0xff);
        return etherType == 0x0800 && frame.length < ETH_HLEN + 20
                || etherType == 0x86dd && frame.length < ETH_HLEN + 40;
    }

    /** BPF_MAP_CREATE; returns the map's descriptor or throws with the errno. */
    public static int createMap(int mapType, int keySize, int valueSize, int maxEntries) {
        return createMap(mapType, keySize, valueSize, maxEntries, 0);
    }

    /** BPF_MAP_CREATE with map_flags (e.g. BPF_F_RDONLY_PROG); returns the map's descriptor or throws with the errno. */
    public static int createMap(int mapType, int keySize, int valueSize, int maxEntries, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, mapType);
            attr.set(JAVA_INT, 4, keySize);
            attr.set(JAVA_INT, 8, valueSize);
            attr.set(JAVA_INT, 12, maxEntries);
            attr.set(JAVA_INT, 16, flags);
            Libc.Result r = bpf(BPF_MAP_CREATE, attr);
            if (r.failed()) {
                throw new IllegalStateException("bpf(BPF_MAP_CREATE, type " + mapType + ", key " + keySize + ", value "
                        + valueSize + ", max " + maxEntries + ") failed with errno " + r.errno());
            }
            return (int) r.value();
        }
    }

    /** BPF_MAP_FREEZE: no more writes from user space (libbpf freezes .rodata after filling it). */
    public static void freeze(int mapFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(JAVA_INT, 0, mapFd);
            Libc.Result r = bpf(BPF_MAP_FREEZE, attr);
            if (r.failed()) {
                throw new IllegalStateException("bpf(BPF_MAP_FREEZE) failed with errno " + r.errno());
            }
        }
    }

    /** BPF_MAP_UPDATE_ELEM with BPF_ANY, BPF_NOEXIST or BPF_EXIST; returns the result (errno on failure). */
    public static Libc.Result update(int mapFd, byte[] key, byte[] value, long flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = elemAttr(arena, mapFd, key);
            attr.set(JAVA_LONG, 16, arena.allocateFrom(JAVA_BYTE, value).address());
            attr.set(JAVA_LONG, 24, flags);
            return bpf(BPF_MAP_UPDATE_ELEM, attr);
        }
    }

    /** BPF_MAP_LOOKUP_ELEM: the value, or null when the key is absent (ENOENT). */
    public static byte[] lookup(int mapFd, byte[] key, int valueSize) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = elemAttr(arena, mapFd, key);
            MemorySegment value = arena.allocate(Math.max(1, valueSize), 8);
            attr.set(JAVA_LONG, 16, value.address());
            Libc.Result r = bpf(BPF_MAP_LOOKUP_ELEM, attr);
            if (r.failed()) {
                if (r.errno() == ENOENT) {
                    return null;
                }
                throw new IllegalStateException("bpf(BPF_MAP_LOOKUP_ELEM) failed with errno " + r.errno());
            }
            return value.asSlice(0, valueSize).toArray(JAVA_BYTE);
        }
    }

    /** BPF_MAP_DELETE_ELEM; returns the result (ENOENT when the key is absent, EINVAL for an array). */
    public static Libc.Result delete(int mapFd, byte[] key) {
        try (Arena arena = Arena.ofConfined()) {
            return bpf(BPF_MAP_DELETE_ELEM, elemAttr(arena, mapFd, key));
        }
    }

    private static MemorySegment elemAttr(Arena arena, int mapFd, byte[] key) {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(JAVA_INT, 0, mapFd); // map_fd
        attr.set(JAVA_LONG, 8, arena.allocateFrom(JAVA_BYTE, key).address()); // key
        return attr;
    }

    public static void close(int fd) {
        Libc.close(fd);
    }

    private static Libc.Result bpf(int cmd, MemorySegment attr) {
        return Libc.syscall(SYS_BPF, cmd, attr.address(), ATTR_SIZE, 0, 0, 0);
    }

    /** Little-endian bytes of a 32-bit or 64-bit value, for map keys and values. */
    public static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    public static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    public static long readLe64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }
}
