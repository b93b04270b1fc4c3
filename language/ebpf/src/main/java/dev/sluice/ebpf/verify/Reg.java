package dev.sluice.ebpf.verify;

/**
 * The abstract value of one register (or of a spilled stack slot): its type and, for scalars, the value; for
 * pointers, a fixed offset {@code off} plus a variable offset {@code var} from the start of the region. Immutable.
 *
 * <p>{@code id} links values: packet pointers with the same id have the same variable offset (so a range proven for
 * one holds for all), map-value-or-null results of one lookup become values or null together, and scalars with the
 * same id are copies of one another (a comparison narrows all of them).
 */
record Reg(Kind kind, Scalar var, int off, int id, int range, int map, int frame) {
    enum Kind {
        NOT_INIT("not initialised"),
        SCALAR("scalar"),
        CTX("ctx"),
        INPUT("mem"),
        PACKET("pkt"),
        PACKET_META("pkt_meta"),
        PACKET_END("pkt_end"),
        STACK("fp"),
        MAP_VALUE("map_value"),
        MAP_VALUE_OR_NULL("map_value_or_null"),
        MAP_PTR("map_ptr"),
        FUNC("func");

        final String kernelName;

        Kind(String kernelName) {
            this.kernelName = kernelName;
        }
    }

    static final Reg NOT_INIT = new Reg(Kind.NOT_INIT, Scalar.UNKNOWN, 0, 0, 0, -1, -1);
    static final Reg UNKNOWN = scalar(Scalar.UNKNOWN);

    static Reg scalar(Scalar s) {
        return new Reg(Kind.SCALAR, s, 0, 0, 0, -1, -1);
    }

    static Reg constant(long v) {
        return scalar(Scalar.constant(v));
    }

    static Reg pointer(Kind kind, int off) {
        return new Reg(kind, Scalar.constant(0), off, 0, 0, -1, -1);
    }

    static Reg stack(int frame, int off) {
        return new Reg(Kind.STACK, Scalar.constant(0), off, 0, 0, -1, frame);
    }

    static Reg mapPointer(int map) {
        return new Reg(Kind.MAP_PTR, Scalar.constant(0), 0, 0, 0, map, -1);
    }

    static Reg mapValue(Kind kind, int map, int off, int id) {
        return new Reg(kind, Scalar.constant(0), off, id, 0, map, -1);
    }

    boolean isScalar() {
        return kind == Kind.SCALAR;
    }

    boolean isPointer() {
        return kind != Kind.SCALAR && kind != Kind.NOT_INIT;
    }

    Reg withVar(Scalar v) {
        return new Reg(kind, v, off, id, range, map, frame);
    }

    Reg withOff(int o) {
        return new Reg(kind, var, o, id, range, map, frame);
    }

    Reg withId(int i) {
        return new Reg(kind, var, off, i, range, map, frame);
    }

    Reg withRange(int r) {
        return new Reg(kind, var, off, id, r, map, frame);
    }

    /**
     * Whether every concrete value this admits is admitted by {@code old}, for the continuation explored from a
     * state holding {@code old}; {@code ids} maps old ids to this state's ids and must stay one-to-one.
     */
    boolean within(Reg old, State.IdMap ids) {
        if (old.kind == Kind.NOT_INIT) {
            return true; // the explored continuation never read it before writing it
        }
        if (kind != old.kind || off != old.off || map != old.map || frame != old.frame || !var.within(old.var)) {
            return false;
        }
        if (kind == Kind.PACKET && range < old.range) {
            return false;
        }
        if (old.id != 0) {
            if (id == 0) {
                return false;
            }
            return ids.link(old.id, id);
        }
        return true; // old linked nothing: links this state has only add facts that hold
    }

    /** The kernel log's way of writing a register's type and value. */
    String describe() {
        return switch (kind) {
            case NOT_INIT -> "not initialised";
            case SCALAR -> var.isConstant() ? "scalar(" + var.value() + ")" : "scalar(" + var + ")";
            case STACK ->
                "fp" + off + (var.isConstant() && var.value() == 0 ? "" : "+var(" + var + ")")
                        + (frame > 0 ? " of frame " + frame : "");
            case PACKET ->
                "pkt(id=" + id + ",off=" + off + ",r=" + range + (var.isConstant() && var.value() == 0 ? "" : "," + var)
                        + ")";
            case MAP_VALUE, MAP_VALUE_OR_NULL ->
                kind.kernelName + "(map=" + map + ",off=" + off + (id != 0 ? ",id=" + id : "")
                        + (var.isConstant() && var.value() == 0 ? "" : "," + var) + ")";
            case MAP_PTR -> "map_ptr(map=" + map + ")";
            default -> kind.kernelName + "(off=" + off + (var.isConstant() && var.value() == 0 ? "" : "," + var) + ")";
        };
    }
}
