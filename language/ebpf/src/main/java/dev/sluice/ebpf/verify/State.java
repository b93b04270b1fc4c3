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

    static final class Frame {
        final int callSite; // the call instruction that created this frame (-1 for the main frame)
        final int function; // index of the function it runs
        final Reg[] regs = new Reg[11];
        final byte[] bytes = new byte[Memory.STACK_SIZE]; // by offset from the bottom: byte i is r10 - 512 + i
        final Reg[] spills = new Reg[SLOTS];
        /** Constant-time mode: which registers and stack bytes hold a value derived from a secret input byte. */
        final boolean[] secretRegs = new boolean[11];

        final boolean[] secretBytes = new boolean[Memory.STACK_SIZE];

        Frame(int callSite, int function) {
            this.callSite = callSite;
            this.function = function;
            Arrays.fill(regs, Reg.NOT_INIT);
        }

        Frame copy() {
            Frame f = new Frame(callSite, function);
            System.arraycopy(regs, 0, f.regs, 0, regs.length);
            System.arraycopy(bytes, 0, f.bytes, 0, bytes.length);
            System.arraycopy(spills, 0, f.spills, 0, spills.length);
            System.arraycopy(secretRegs, 0, f.secretRegs, 0, secretRegs.length);
            System.arraycopy(secretBytes, 0, f.secretBytes, 0, secretBytes.length);
            return f;
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

    /** Whether this state is subsumed by {@code old}: everything safe from old is safe from here. */
    boolean within(State old) {
        if (frames.length != old.frames.length) {
            return false;
        }
        IdMap ids = new IdMap();
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
                byte ob = o.bytes[b], cb = c.bytes[b];
                if (ob == INVALID) {
                    continue;
                }
                if (cb == INVALID) {
                    return false;
                }
                if (c.secretBytes[b] && !o.secretBytes[b]) {
                    return false;
                }
                if (ob == SPILL) {
                    // old knew a value here: this state must hold a value it admits
                    if (cb != SPILL || !c.spills[s].within(o.spills[s], ids)) {
                        return false;
                    }
                    b = s * 8 + 7; // the whole slot is compared
                } else if (cb == SPILL && !c.spills[s].isScalar()) {
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

    /** Exact equality up to ids (for the infinite-loop check). */
    boolean sameAs(State other) {
        return within(other) && other.within(this);
    }
}
