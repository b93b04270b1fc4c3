package dev.sluice.tests.ebpf;

import dev.sluice.ebpf.formats.elf.EbpfObject;
import dev.sluice.ebpf.formats.elf.ElfObjectReader;
import dev.sluice.tests.kernel.KernelEbpf;
import dev.sluice.tests.kernel.Libc;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The eBPF objects the build compiled from language/ebpf/src/test/c with clang, and how to load one of their programs
 * into the live kernel: each map of the object is created with BPF_MAP_CREATE and every LDDW that names a map by index
 * (BPF_PSEUDO_MAP_IDX, as the loader leaves it) is rewritten to name the new map's descriptor (BPF_PSEUDO_MAP_FD); a
 * global-data map is filled with its section's bytes (and frozen for .rodata) and the LDDWs into it name its
 * descriptor as BPF_PSEUDO_MAP_VALUE, as libbpf does.
 */
public final class ClangObjects {
    private static final int PSEUDO_MAP_FD = 1;
    /** BPF_PSEUDO_MAP_VALUE: imm is a map's descriptor, the next slot's imm an offset in its value (global data). */
    private static final int PSEUDO_MAP_VALUE = 2;

    private ClangObjects() {}

    /** The directory of the compiled objects; skips the calling test visibly when clang was not there. */
    public static Path directory() {
        Path dir = Path.of(System.getProperty("sluice.ebpf.objects", "../language/ebpf/target/bpf-objects"));
        String reason = null;
        Path skipped = dir.resolve("SKIPPED");
        if (Files.exists(skipped)) {
            try {
                reason = "the eBPF C test programs were not compiled: "
                        + Files.readString(skipped).strip();
            } catch (IOException e) {
                reason = "the eBPF C test programs were not compiled";
            }
        } else if (!Files.isDirectory(dir)) {
            reason = "no compiled eBPF C test programs in " + dir.toAbsolutePath();
        }
        if (reason != null) {
            System.err.println("SKIPPED: " + reason);
        }
        Assumptions.assumeTrue(reason == null, "SKIPPED: " + reason);
        return dir;
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(directory().resolve(name + ".o"));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + name + ".o", e);
        }
    }

    public static EbpfObject read(String name) {
        return ElfObjectReader.read(name + ".o", bytes(name));
    }

    /** A program of an object loaded into the kernel with its maps; close it to release every descriptor. */
    public static final class KernelLoaded implements AutoCloseable {
        public final int progFd;
        public final int[] mapFds;

        KernelLoaded(int progFd, int[] mapFds) {
            this.progFd = progFd;
            this.mapFds = mapFds;
        }

        @Override
        public void close() {
            if (progFd >= 0) {
                KernelEbpf.close(progFd);
            }
            for (int fd : mapFds) {
                KernelEbpf.close(fd);
            }
        }
    }

    public static int progType(EbpfObject.ProgramKind kind) {
        return switch (kind) {
            case SOCKET_FILTER -> KernelEbpf.BPF_PROG_TYPE_SOCKET_FILTER;
            case XDP -> KernelEbpf.BPF_PROG_TYPE_XDP;
            case RAW -> throw new IllegalArgumentException("the kernel has no raw program type");
        };
    }

    public static KernelLoaded loadIntoKernel(EbpfObject object, EbpfObject.ObjectProgram program) {
        int[] fds = new int[object.maps().size()];
        for (int i = 0; i < fds.length; i++) {
            EbpfObject.MapDefinition m = object.maps().get(i);
            fds[i] = KernelEbpf.createMap(m.type(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags());
            if (m.isGlobalData()) {
                // As libbpf: the section's bytes are the value of entry 0, and .rodata is frozen once filled.
                Libc.Result r = KernelEbpf.update(fds[i], KernelEbpf.le32(0), m.initialValue(), 0);
                if (r.failed()) {
                    throw new IllegalStateException("filling map " + m.name() + " failed with errno " + r.errno());
                }
                if ((m.flags() & EbpfObject.F_RDONLY_PROG) != 0) {
                    KernelEbpf.freeze(fds[i]);
                }
            }
        }
        ByteBuffer code = ByteBuffer.wrap(program.code().clone()).order(ByteOrder.LITTLE_ENDIAN);
        for (int pc = 0; pc < program.slots(); pc++) {
            long slot = code.getLong(8 * pc);
            int src = (int) (slot >>> 12) & 0xf;
            if ((slot & 0xff) == 0x18 && (src == EbpfObject.PSEUDO_MAP_IDX || src == EbpfObject.PSEUDO_MAP_IDX_VALUE)) {
                int index = (int) (slot >>> 32);
                int fdSource = src == EbpfObject.PSEUDO_MAP_IDX ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE;
                long patched =
                        (slot & 0x0fffL) | ((long) fdSource << 12) | (slot & 0xffff0000L) | ((long) fds[index] << 32);
                code.putLong(8 * pc, patched);
                pc++;
            }
        }
        KernelEbpf.Load load = KernelEbpf.load(progType(program.kind()), code.array());
        if (!load.ok()) {
            new KernelLoaded(-1, fds).close();
            throw new AssertionError("the kernel refused " + object.fileName() + " " + program.section() + "/"
                    + program.name() + " (errno " + load.errno() + "):\n" + load.log());
        }
        return new KernelLoaded(load.fd(), fds);
    }
}
