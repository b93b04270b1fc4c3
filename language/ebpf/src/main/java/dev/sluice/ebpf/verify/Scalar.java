package dev.sluice.ebpf.verify;

/**
 * What the verifier knows of a 64-bit value: known bits (a "tnum": {@code value} holds the known bits, {@code mask}
 * the unknown ones; the idea of the kernel's tnum.c, written from its definition) and unsigned and signed bounds.
 * Every operation over-approximates: each concrete result of the operation on values the operands admit is admitted
 * by the result. {@link #normalize} makes the three views agree and returns null when no value fits (a dead branch).
 */
record Scalar(long value, long mask, long umin, long umax, long smin, long smax) {
    static final long U32_MAX = 0xffffffffL;
    static final Scalar UNKNOWN = new Scalar(0, -1L, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE);

    static Scalar constant(long v) {
        return new Scalar(v, 0, v, v, v, v);
    }

    /** Any value of {@code [0, max]} (unsigned). */
    static Scalar upTo(long max) {
        return new Scalar(0, -1L, 0, max, Long.MIN_VALUE, Long.MAX_VALUE).normalize();
    }

    /** Any value of the signed range {@code [min, max]}. */
    static Scalar signedRange(long min, long max) {
        return new Scalar(0, -1L, 0, -1L, min, max).normalize();
    }

    boolean isConstant() {
        return mask == 0;
    }

    boolean contains(long v) {
        return (v & ~mask) == value
                && Long.compareUnsigned(v, umin) >= 0
                && Long.compareUnsigned(v, umax) <= 0
                && v >= smin
                && v <= smax;
    }

    /** Whether every value this admits is admitted by {@code wider} (the state-pruning test). */
    boolean within(Scalar wider) {
        return Long.compareUnsigned(wider.umin, umin) <= 0
                && Long.compareUnsigned(umax, wider.umax) <= 0
                && wider.smin <= smin
                && smax <= wider.smax
                && (mask & ~wider.mask) == 0
                && (value & ~wider.mask) == wider.value;
    }

    // --- tnum arithmetic ---

    private static Scalar bits(long v, long m) {
        return new Scalar(v & ~m, m, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * The bits a range {@code [min, max]} leaves unknown: those below the common prefix of min and max (the known bits
     * are {@code min & ~rangeMask(min, max)}).
     */
    private static long rangeMask(long min, long max) {
        int bits = 64 - Long.numberOfLeadingZeros(min ^ max);
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }

    /**
     * The three views made consistent (each narrowed by the others); null when they contradict (no value fits).
     */
    Scalar normalize() {
        long v = value & ~mask, m = mask;
        long umin = this.umin, umax = this.umax, smin = this.smin, smax = this.smax;
        for (int round = 0; round < 2; round++) {
            // known bits -> bounds
            umin = maxU(umin, v);
            umax = minU(umax, v | m);
            if (m >= 0) { // the sign bit is known
                smin = Math.max(smin, v);
                smax = Math.min(smax, v | m);
            } else {
                smin = Math.max(smin, v | Long.MIN_VALUE);
                smax = Math.min(smax, (v | m) & Long.MAX_VALUE);
            }
            // signed <-> unsigned, where the sign does not change inside the range
            if (smin >= 0 || smax < 0) {
                umin = maxU(umin, smin);
                umax = minU(umax, smax);
            }
            if (umax >= 0 || umin < 0) { // unsigned range entirely below 2^63, or entirely at or above it
                smin = Math.max(smin, umin);
                smax = Math.min(smax, umax);
            }
            if (Long.compareUnsigned(umin, umax) > 0 || smin > smax) {
                return null;
            }
            // bounds -> known bits
            long rangeMask = rangeMask(umin, umax), rangeValue = umin & ~rangeMask;
            long nv = v | rangeValue;
            long nm = m & rangeMask;
            if (((v ^ rangeValue) & ~m & ~rangeMask) != 0) {
                return null; // a bit known one way by the tnum and the other by the range
            }
            v = nv & ~nm;
            m = nm;
        }
        if (Long.compareUnsigned(umin, umax) > 0 || smin > smax) {
            return null;
        }
        if (v == value
                && m == mask
                && umin == this.umin
                && umax == this.umax
                && smin == this.smin
                && smax == this.smax) {
            return this; // already consistent (a record: the same value either way, without an allocation)
        }
        return new Scalar(v, m, umin, umax, smin, smax);
    }

    private static long maxU(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static long minU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static Scalar of(long v, long m, long umin, long umax, long smin, long smax) {
        Scalar s = new Scalar(v & ~m, m, umin, umax, smin, smax).normalize();
        // An operation's result is never empty when its operands are not; normalisation only narrows.
        return s == null ? UNKNOWN : s;
    }

    Scalar add(Scalar o) {
        long sv = value + o.value, sm = mask + o.mask;
        long chi = (sv + sm) ^ sv;
        long mu = chi | mask | o.mask;
        long lo = umin + o.umin, hi = umax + o.umax;
        // the unsigned range stays a range when either no sum or every sum wraps around 2^64
        boolean mixed = carries(umin, o.umin) != carries(umax, o.umax);
        long nsmin, nsmax;
        try {
            nsmin = Math.addExact(smin, o.smin);
            nsmax = Math.addExact(smax, o.smax);
        } catch (ArithmeticException e) {
            nsmin = Long.MIN_VALUE;
            nsmax = Long.MAX_VALUE;
        }
        return of(sv, mu, mixed ? 0 : lo, mixed ? -1L : hi, nsmin, nsmax);
    }

    /** Whether a + b overflows 64 unsigned bits. */
    private static boolean carries(long a, long b) {
        return Long.compareUnsigned(a + b, a) < 0;
    }

    Scalar sub(Scalar o) {
        long dv = value - o.value;
        long alpha = dv + mask, beta = dv - o.mask;
        long mu = (alpha ^ beta) | mask | o.mask;
        // unsigned: no borrow anywhere iff umin >= o.umax
        long numin = 0, numax = -1L;
        if (Long.compareUnsigned(umin, o.umax) >= 0) {
            numin = umin - o.umax;
            numax = umax - o.umin;
        }
        long nsmin, nsmax;
        try {
            nsmin = Math.subtractExact(smin, o.smax);
            nsmax = Math.subtractExact(smax, o.smin);
        } catch (ArithmeticException e) {
            nsmin = Long.MIN_VALUE;
            nsmax = Long.MAX_VALUE;
        }
        return of(dv, mu, numin, numax, nsmin, nsmax);
    }

    Scalar mul(Scalar o) {
        if (isConstant() && o.isConstant()) {
            return constant(value * o.value);
        }
        if (Long.compareUnsigned(umax, U32_MAX) <= 0 && Long.compareUnsigned(o.umax, U32_MAX) <= 0) {
            // both below 2^32: the product fits in 64 unsigned bits, and is monotone
            long hi = umax * o.umax;
            if (hi >= 0) {
                return of(0, -1L, umin * o.umin, hi, umin * o.umin, hi);
            }
            return of(0, -1L, umin * o.umin, hi, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        return UNKNOWN;
    }

    Scalar and(Scalar o) {
        long alpha = value | mask, beta = o.value | o.mask;
        long v = value & o.value;
        return of(v, alpha & beta & ~v, 0, minU(umax, o.umax), Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Scalar or(Scalar o) {
        long v = value | o.value;
        return of(v, (mask | o.mask) & ~v, maxU(umin, o.umin), -1L, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Scalar xor(Scalar o) {
        long mu = mask | o.mask;
        return of((value ^ o.value) & ~mu, mu, 0, -1L, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Left shift by a known amount {@code k} in [0, 63]. */
    Scalar lsh(int k) {
        long numin = 0, numax = -1L;
        if (k == 0 || Long.compareUnsigned(umax, -1L >>> k) <= 0) {
            numin = umin << k;
            numax = umax << k;
        }
        return of(value << k, mask << k, numin, numax, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Scalar rsh(int k) {
        return of(value >>> k, mask >>> k, umin >>> k, umax >>> k, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Scalar arsh(int k) {
        return of(value >> k, mask >> k, 0, -1L, smin >> k, smax >> k);
    }

    /** The low 32 bits, zero-extended (what every 32-bit operation does to its operands and its result). */
    Scalar low32() {
        if (Long.compareUnsigned(umax, U32_MAX) <= 0) {
            return this;
        }
        if (Long.compareUnsigned(umin >>> 32, umax >>> 32) == 0) {
            // the same high half everywhere: the low halves keep their order
            return of(value & U32_MAX, mask & U32_MAX, umin & U32_MAX, umax & U32_MAX, 0, U32_MAX);
        }
        return of(value & U32_MAX, mask & U32_MAX, 0, U32_MAX, 0, U32_MAX);
    }

    /** Sign extension of the low {@code bits} bits (movsx, ldxs). */
    Scalar signExtend(int bits) {
        if (isConstant()) {
            return constant(value << (64 - bits) >> (64 - bits));
        }
        long half = 1L << (bits - 1);
        if (smin >= 0 && smax < half) {
            return this; // already a non-negative value of fewer bits: unchanged
        }
        return signedRange(-half, half - 1);
    }

    @Override
    public String toString() {
        if (isConstant()) {
            return Long.toString(value);
        }
        StringBuilder b = new StringBuilder();
        boolean signedAsUnsigned = smin == umin && smax == umax; // non-negative: the signed bounds say nothing more
        if (smin != Long.MIN_VALUE && !signedAsUnsigned) {
            b.append("smin=").append(smin).append(',');
        }
        if (smax != Long.MAX_VALUE && !signedAsUnsigned) {
            b.append("smax=").append(smax).append(',');
        }
        if (umin != 0) {
            b.append("umin=").append(Long.toUnsignedString(umin)).append(',');
        }
        if (umax != -1L) {
            b.append("umax=").append(Long.toUnsignedString(umax)).append(',');
        }
        if (mask != -1L) {
            b.append("var_off=(0x")
                    .append(Long.toHexString(value))
                    .append("; 0x")
                    .append(Long.toHexString(mask))
                    .append("),");
        }
        return b.isEmpty() ? "unknown" : b.substring(0, b.length() - 1);
    }
}
