package dev.sluice.ebpf.verify;

import dev.sluice.ebpf.runtime.Memory;
import java.util.Arrays;

/**
 * The abstract state at one instruction of one path: the call frames, each with its registers and its 512-byte
 * stack. A stack byte is uninitialised, initialised (unknown contents) or part of a spilled register (an 8-byte
 * aligned slot that holds a whole {@link Reg}, so a pointer survives a spill and a fill).
 */
final class State {
    static final byte INVALID = 0, MISC = 1, SPILL = 2;
    static final int SLOTS = Memory.STACK_SIZE / 8;

    /**
     * One call frame. Its registers are its own; its stack arrays are copy-on-write: {@link #copy()} shares them with
     * the copy (a path forks at every conditional jump and a state is stored at every prune point, while most steps
     * change no stack byte), and a frame takes a private copy of an array the first time it writes it while it may be
     * shared. Reading is direct; every write goes through the setters below, so that no write through one frame is
     * ever seen through another (a stored state, or the other branch of a fork).
     */
    static final class Frame {
        final int callSite; // the call instruction that created this frame (-1 for the main frame)
        final int function; // index of the function it runs
        final Reg[] regs;
        /** Constant-time mode: which registers hold a value derived from a secret input byte. */
        final boolean[] secretRegs;

        private byte[] bytes; // by offset from the bottom: byte i is r10 - 512 + i
        private Reg[] spills;
        /** Constant-time mode: which stack bytes hold a value derived from a secret input byte. */
        private boolean[] secretBytes;
        // Whether each stack array may also be another frame's. Both frames of a copy get true; only taking a fresh
        // private array sets false, so an array referenced by two frames is marked shared in both.
        private boolean bytesShared, spillsShared, secretBytesShared;

        Frame(int callSite, int function) {
            this.callSite = callSite;
            this.function = function;
            this.regs = new Reg[11];
            Arrays.fill(regs, Reg.NOT_INIT);
            this.secretRegs = new boolean[11];
            this.bytes = new byte[Memory.STACK_SIZE];
            this.spills = new Reg[SLOTS];
            this.secretBytes = new boolean[Memory.STACK_SIZE];
        }

        private Frame(Frame of) {
            this.callSite = of.callSite;
            this.function = of.function;
            this.regs = of.regs.clone();
            this.secretRegs = of.secretRegs.clone();
            this.bytes = of.bytes;
            this.spills = of.spills;
            this.secretBytes = of.secretBytes;
            this.bytesShared = this.spillsShared = this.secretBytesShared = true;
            of.bytesShared = of.spillsShared = of.secretBytesShared = true;
        }

        Frame copy() {
            return new Frame(this);
        }

        /** What stack byte {@code b} holds: {@link #INVALID}, {@link #MISC} or {@link #SPILL}. */
        byte stackByte(int b) {
            return bytes[b];
        }

        /** The register spilled to 8-byte slot {@code slot}, or null. */
        Reg spill(int slot) {
            return spills[slot];
        }

        boolean secretByte(int b) {
            return secretBytes[b];
        }

        void setStackByte(int b, byte kind) {
            if (bytes[b] == kind) {
                return;
            }
            if (bytesShared) {
                bytes = bytes.clone();
                bytesShared = false;
            }
            bytes[b] = kind;
        }

        void setSpill(int slot, Reg value) {
            if (spills[slot] == value) {
                return;
            }
            if (spillsShared) {
                spills = spills.clone();
                spillsShared = false;
            }
            spills[slot] = value;
        }

        /** Marks stack bytes {@code from} (inclusive) to {@code to} (exclusive) secret or public. */
        void setSecretBytes(int from, int to, boolean secret) {
            java.util.Objects.checkFromToIndex(from, to, secretBytes.length); // as Arrays.fill would
            for (int b = from; b < to; b++) {
                if (secretBytes[b] != secret) {
                    if (secretBytesShared) {
                        secretBytes = secretBytes.clone();
                        secretBytesShared = false;
                    }
                    secretBytes[b] = secret;
                }
            }
        }
    }

    Frame[] frames;

    State(Frame[] frames) {
        this.frames = frames;
    }

    State copy() {
        Frame[] f = new Frame[frames.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = frames[i].copy();
        }
        return new State(f);
    }

    Frame top() {
        return frames[frames.length - 1];
    }

    Reg reg(int r) {
        return top().regs[r];
    }

    void set(int r, Reg v) {
        top().regs[r] = v;
    }

    /**
     * Whether this state is subsumed by {@code old}: everything safe from old is safe from here. {@code ids} is emptied
     * first and holds the map of ids built while comparing: the verifier compares a path's state with every state
     * stored where it is, and passes one map for all of these comparisons rather than allocate one each.
     */
    boolean within(State old, IdMap ids) {
        ids.clear();
        if (frames.length != old.frames.length) {
            return false;
        }
        for (int i = 0; i < frames.length; i++) {
            Frame c = frames[i], o = old.frames[i];
            if (c.callSite != o.callSite) {
                return false;
            }
            for (int r = 0; r < c.regs.length; r++) {
                if (!c.regs[r].within(o.regs[r], ids)) {
                    return false;
                }
                if (c.secretRegs[r] && !o.secretRegs[r] && o.regs[r].kind() != Reg.Kind.NOT_INIT) {
                    return false; // old's continuation was checked with a public value here
                }
            }
        }
        for (int i = 0; i < frames.length; i++) {
            if (!stackWithin(frames[i], old.frames[i], ids)) {
                return false;
            }
        }
        return true;
    }

    private static boolean stackWithin(Frame c, Frame o, IdMap ids) {
        for (int s = 0; s < SLOTS; s++) {
            for (int b = s * 8; b < s * 8 + 8; b++) {
                byte ob = o.stackByte(b), cb = c.stackByte(b);
                if (ob == INVALID) {
                    continue;
                }
                if (cb == INVALID) {
                    return false;
                }
                if (c.secretByte(b) && !o.secretByte(b)) {
                    return false;
                }
                if (ob == SPILL) {
                    // old knew a value here: this state must hold a value it admits
                    if (cb != SPILL || !c.spill(s).within(o.spill(s), ids)) {
                        return false;
                    }
                    b = s * 8 + 7; // the whole slot is compared
                } else if (cb == SPILL && !c.spill(s).isScalar()) {
                    return false; // old read unknown bytes here; a spilled pointer must not be taken apart differently
                }
            }
        }
        return true;
    }

    /** A one-to-one map from the old state's ids to this state's, built while comparing (few ids: arrays). */
    static final class IdMap {
        private int[] from = new int[4], to = new int[4];
        private int size;

        void clear() {
            size = 0;
        }

        boolean link(int oldId, int newId) {
            for (int i = 0; i < size; i++) {
                if (from[i] == oldId || to[i] == newId) {
                    return from[i] == oldId && to[i] == newId;
                }
            }
            if (size == from.length) {
                from = java.util.Arrays.copyOf(from, size * 2);
                to = java.util.Arrays.copyOf(to, size * 2);
            }
            from[size] = oldId;
            to[size++] = newId;
            return true;
        }
    }

    /** Exact equality up to ids (for the infinite-loop check); {@code ids} as in {@link #within}. */
    boolean sameAs(State other, IdMap ids) {
        return within(other, ids) && other.within(this, ids);
    }
}
