package dev.sluice.ebpf.nodes;

import static dev.sluice.ebpf.isa.Opcodes.*;

import com.oracle.truffle.api.CompilerDirectives;
import com.oracle.truffle.api.memory.ByteArraySupport;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.interop.UncheckedArrays;
import dev.sluice.ebpf.runtime.EbpfFailure;
import dev.sluice.ebpf.runtime.Memory;

/**
 * The run-time guard of every load and store: it decodes the region of an address, checks that the whole access lies
 * inside that region (and that the region is writable for a store), and only then touches the bytes. A failed check
 * is a defined guest error naming the instruction; no access ever reaches a host array out of its bounds. An access
 * the verifier proved inside a stack, the packet or a map value ({@code proven}) skips the region check; one inside
 * the packet or a stack keeps a single compare with the region's actual bounds in place of Java's array checks, which
 * the compiler drops where it sees the program's own bounds check imply it.
 */
final class MemoryGuard {
    private static final ByteArraySupport LE = ByteArraySupport.littleEndian();

    private MemoryGuard() {}

    /**
     * The array holding the region when {@code [address, address+size)} lies inside it; else a guest error. The
     * access's index in that array is {@link #index}.
     */
    static byte[] checked(Memory memory, long address, int size, boolean write, int pc, Node node) {
        int region = (int) (address >>> 32);
        int offset = (int) address;
        byte[] bytes = memory.array(region);
        if (bytes == null || offset < 0 || offset > memory.length(region, bytes) - size) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(
                    node, EbpfFailure.BAD_ACCESS, pc, write ? "store" : "load", size, Memory.describe(address));
        }
        if (write && !memory.writable(region)) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(node, EbpfFailure.READ_ONLY, pc, size, Memory.describe(address));
        }
        return bytes;
    }

    /**
     * Whether an access the verifier proved inside the packet or a stack ({@code proven}: Memory.PACKET or
     * Memory.STACK0) does lie inside that region. The proof covers every path to the access, so this one compare fails
     * only for a wrong proof; it replaces Java's two array bounds checks (the access then goes through
     * {@code UncheckedArrays}) and is stricter than they were: a packet access must lie in this run's packet, not
     * merely in the batch's buffer. For a stack access at a constant offset from r10, the usual case, the compare is
     * on constants and folds away.
     */
    private static boolean provenInside(Memory memory, long address, int proven, int size) {
        if (proven == Memory.PACKET) {
            // Memory.setPacket checked that the packet lies inside its array; the length zero-extended, as in the
            // packet's end pointer, so that the program's own comparison with that pointer implies this one.
            return Integer.toUnsignedLong((int) address) + size <= Integer.toUnsignedLong(memory.packetLength());
        }
        return Integer.toUnsignedLong(stackIndex(address)) + size <= Memory.STACK_SIZE * Memory.MAX_FRAMES;
    }

    private static int stackIndex(long address) {
        return ((int) (address >>> 32) - Memory.STACK0) * Memory.STACK_SIZE + (int) address;
    }

    /** Where an access {@link #provenInside} admitted lies in {@link #provenArray}. */
    private static long provenAt(Memory memory, long address, int proven) {
        // A long sum: the packet's base is sign-extended once per run and the access's constant offset becomes the
        // load's address displacement, where an int sum is added and sign-extended again for every access.
        return proven == Memory.PACKET ? (long) memory.packetBase() + (int) address : stackIndex(address);
    }

    private static byte[] provenArray(Memory memory, int proven) {
        return proven == Memory.PACKET ? memory.packetArray() : memory.stackArray();
    }

    /**
     * The array of an access the verifier proved inside a map value ({@code proven} Memory.MAP_VALUES), with no
     * bounds or region check: the proof covers every path to the access. The value can still be gone (the host
     * deleted the hash element); that one check stays, and its error is the guard's. Java's own array bounds checks
     * remain underneath, so even a wrong proof cannot reach outside the value's array.
     */
    private static byte[] provenMapValue(Memory memory, long address, int size, boolean write, int pc, Node node) {
        byte[] b = memory.array((int) (address >>> 32));
        if (b == null) {
            CompilerDirectives.transferToInterpreterAndInvalidate();
            return checked(memory, address, size, write, pc, node);
        }
        return b;
    }

    private static boolean inPacketOrStack(int proven) {
        return proven == Memory.PACKET || proven == Memory.STACK0;
    }

    /** Where {@code address} is in the array {@link #checked} returned for it. */
    static int index(Memory memory, long address) {
        return memory.base((int) (address >>> 32)) + (int) address;
    }

    /** A little-endian load of {@code size} bytes, zero-extended. */
    static long load(Memory memory, long address, int size, int pc, Node node) {
        return load(memory, address, size, 0, pc, node);
    }

    /** A load; {@code proven} is the region the verifier proved it inside, or 0 (then the guard checks it). */
    static long load(Memory memory, long address, int size, int proven, int pc, Node node) {
        if (inPacketOrStack(proven)) {
            if (!provenInside(memory, address, proven, size)) {
                // A wrong proof: a bug of Sluice's verifier. The guard decides, as for an unverified program.
                CompilerDirectives.transferToInterpreterAndInvalidate();
                return load(memory, address, size, 0, pc, node);
            }
            return UncheckedArrays.readLittleEndian(
                    provenArray(memory, proven), provenAt(memory, address, proven), size);
        }
        byte[] b = proven != 0
                ? provenMapValue(memory, address, size, false, pc, node)
                : checked(memory, address, size, false, pc, node);
        int off = proven != 0 ? (int) address : index(memory, address);
        switch (size) {
            case 1:
                return b[off] & 0xffL;
            case 2:
                return LE.getShort(b, off) & 0xffffL;
            case 4:
                return LE.getInt(b, off) & 0xffffffffL;
            default:
                return LE.getLong(b, off);
        }
    }

    /** A little-endian load of {@code size} bytes, sign-extended (LDX MEMSX); {@code proven} as for {@link #load}. */
    static long loadSigned(Memory memory, long address, int size, int proven, int pc, Node node) {
        long v = load(memory, address, size, proven, pc, node);
        switch (size) {
            case 1:
                return (byte) v;
            case 2:
                return (short) v;
            default:
                return (int) v;
        }
    }

    static void store(Memory memory, long address, int size, long value, int pc, Node node) {
        store(memory, address, size, value, 0, pc, node);
    }

    /** A store; {@code proven} as for {@link #load} (the verifier also proved the region writable). */
    static void store(Memory memory, long address, int size, long value, int proven, int pc, Node node) {
        if (inPacketOrStack(proven)) {
            if (provenInside(memory, address, proven, size)) {
                UncheckedArrays.writeLittleEndian(
                        provenArray(memory, proven), provenAt(memory, address, proven), size, value);
                return;
            }
            // A wrong proof, as in load.
            CompilerDirectives.transferToInterpreterAndInvalidate();
            store(memory, address, size, value, 0, pc, node);
            return;
        }
        byte[] b = proven != 0
                ? provenMapValue(memory, address, size, true, pc, node)
                : checked(memory, address, size, true, pc, node);
        int off = proven != 0 ? (int) address : index(memory, address);
        switch (size) {
            case 1:
                b[off] = (byte) value;
                break;
            case 2:
                LE.putShort(b, off, (short) value);
                break;
            case 4:
                LE.putInt(b, off, (int) value);
                break;
            default:
                LE.putLong(b, off, value);
                break;
        }
    }

    /** The byte at a guest address if the guard admits a 1-byte load there, else -1 (no error). */
    static long peekByte(Memory memory, long address) {
        int region = (int) (address >>> 32);
        int offset = (int) address;
        byte[] bytes = memory.array(region);
        if (bytes == null || offset < 0 || offset > memory.length(region, bytes) - 1) {
            return -1;
        }
        return bytes[memory.base(region) + offset] & 0xffL;
    }

    /** Copies {@code size} bytes from guest memory (a helper's key or value argument), through the guard. */
    static byte[] copyOut(Memory memory, long address, int size, int pc, Node node) {
        byte[] b = checked(memory, address, size, false, pc, node);
        byte[] out = new byte[size];
        System.arraycopy(b, index(memory, address), out, 0, size);
        return out;
    }

    /** Copies {@code bytes} into guest memory (a helper's output argument), through the guard. */
    static void copyIn(Memory memory, long address, byte[] bytes, int pc, Node node) {
        byte[] b = checked(memory, address, bytes.length, true, pc, node);
        System.arraycopy(bytes, 0, b, index(memory, address), bytes.length);
    }

    /**
     * A legacy packet load (LD_ABS/LD_IND) at {@code offset} from the packet's first byte (negative: into the
     * link-layer header before it, where there is one): big-endian, zero-extended; -1 when outside, where the kernel
     * ends the program with return value 0. With {@code machineOrder}, the bytes in the machine's order instead
     * (NativeOrderR0: no byte swap).
     */
    static long loadPacket(Memory memory, int region, long offset, int size, boolean machineOrder) {
        byte[] b = memory.array(region);
        int before = region == Memory.PACKET ? memory.packetLinkHeader() : 0;
        if (b == null || offset < -before || offset > memory.length(region, b) - size) {
            return -1;
        }
        // Inside the region or the bytes before it by the rule just checked, and those lie inside b (Memory's
        // setters check it): read without Java's checks, two compares and branches per load otherwise, as classic
        // BPF's packet loads do. At a long position, as MemoryGuard.provenAt's: the base is sign-extended once per
        // run, not the int sum once per load.
        long at = memory.base(region) + offset;
        return machineOrder ? UncheckedArrays.readNative(b, at, size) : UncheckedArrays.read(b, at, size);
    }

    /**
     * The bound below which an LD_IND's source register takes {@link #loadPacketBlinded} (FunctionBodyNode): with it
     * and an immediate in [0, 2^31), the 64-bit sum is below 2^32 - 2^30, so its int is the offset itself or a negative
     * value below both windows the kernel maps (SKF_LL_OFF is -2^21), outside the packet either way.
     */
    static final long SMALL_INDEX = 1L << 30;

    /**
     * {@link #loadPacket} of a blinded LD_ABS at offset {@code k >= 0}, given as {@code stored = k + offsetKey}
     * (Blinding.offsetKey; for an LD_IND whose source is below {@link #SMALL_INDEX}, k is src + imm and stored is
     * src + the stored imm): {@code k + size <= length} exactly when {@code stored + size <= length + offsetKey} (no
     * term wraps), and {@code base + k} is {@code (base - offsetKey) + stored}. So {@code k} is neither an immediate of
     * compiled code nor a value computed per load; the key is one long (its int half as a second value cost a register
     * in a batch loop that spilled its index and count).
     */
    static long loadPacketBlinded(
            Memory memory, int region, long stored, int size, long offsetKey, boolean machineOrder) {
        byte[] b = memory.array(region);
        if (b == null || stored + size > memory.length(region, b) + offsetKey) {
            return -1;
        }
        long at = memory.base(region) - offsetKey + stored;
        return machineOrder ? UncheckedArrays.readNative(b, at, size) : UncheckedArrays.read(b, at, size);
    }

    /**
     * An atomic read-modify-write (STX ATOMIC) of 4 or 8 bytes; returns the old value, zero-extended for 4 bytes.
     * {@code code} is the operation from imm; for CMPXCHG {@code expected} is r0.
     */
    static long atomic(Memory memory, long address, int size, int code, long value, long expected, int pc, Node node) {
        byte[] b = checked(memory, address, size, true, pc, node);
        int off = index(memory, address);
        if ((off & (size - 1)) != 0) {
            CompilerDirectives.transferToInterpreter();
            throw SluiceException.atNode(node, EbpfFailure.MISALIGNED_ATOMIC, pc, size, Memory.describe(address));
        }
        if (size == 4) {
            int v = (int) value;
            int old = switch (code & ~FETCH) {
                case ADD -> LE.getAndAddInt(b, off, v);
                case OR -> LE.getAndBitwiseOrInt(b, off, v);
                case AND -> LE.getAndBitwiseAndInt(b, off, v);
                case XOR -> LE.getAndBitwiseXorInt(b, off, v);
                case XCHG & ~FETCH -> LE.getAndSetInt(b, off, v);
                case CMPXCHG & ~FETCH -> LE.compareAndExchangeInt(b, off, (int) expected, v);
                default -> throw CompilerDirectives.shouldNotReachHere("atomic operation");
            };
            return old & 0xffffffffL;
        }
        return switch (code & ~FETCH) {
            case ADD -> LE.getAndAddLong(b, off, value);
            case OR -> LE.getAndBitwiseOrLong(b, off, value);
            case AND -> LE.getAndBitwiseAndLong(b, off, value);
            case XOR -> LE.getAndBitwiseXorLong(b, off, value);
            case XCHG & ~FETCH -> LE.getAndSetLong(b, off, value);
            case CMPXCHG & ~FETCH -> LE.compareAndExchangeLong(b, off, expected, value);
            default -> throw CompilerDirectives.shouldNotReachHere("atomic operation");
        };
    }
}
