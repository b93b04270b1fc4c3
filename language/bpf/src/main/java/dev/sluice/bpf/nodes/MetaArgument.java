package dev.sluice.bpf.nodes;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage.Env;
import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.nodes.Node;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;

/**
 * Reads socket metadata from a call argument: a host {@link PacketMeta}, or any object with readable members named
 * protocol, pktType, ifIndex, hatype, mark, queue, rxhash, cpu, vlanTci, vlanTpid, payloadOffset, random,
 * dataOffset, networkOffset, linkLayerOffset (e.g. a JavaScript object or a Java Map through a proxy).
 */
final class MetaArgument {
    private MetaArgument() {}

    static PacketMeta read(Object o, Env env, Node node) {
        if (o instanceof PacketMeta m) {
            return m;
        }
        if (env.isHostObject(o) && env.asHostObject(o) instanceof PacketMeta m) {
            return m;
        }
        return readMembers(o, node);
    }

    @TruffleBoundary
    private static PacketMeta readMembers(Object o, Node node) {
        InteropLibrary lib = InteropLibrary.getUncached(o);
        if (lib.isNull(o)) {
            return PacketMeta.DEFAULT;
        }
        if (!lib.hasMembers(o)) {
            throw SluiceException.atNode(node, CoreFailure.BAD_INPUT, "packet metadata must be an object with members");
        }
        try {
            PacketMeta.Builder b = PacketMeta.builder();
            Integer v;
            if ((v = member(lib, o, "protocol")) != null) {
                b.protocol(v);
            }
            if ((v = member(lib, o, "pktType")) != null) {
                b.pktType(v);
            }
            Integer ifIndex = member(lib, o, "ifIndex");
            Integer hatype = member(lib, o, "hatype");
            if (ifIndex != null || hatype != null) {
                b.device(ifIndex == null ? 0 : ifIndex, hatype == null ? 0 : hatype);
            }
            if ((v = member(lib, o, "mark")) != null) {
                b.mark(v);
            }
            if ((v = member(lib, o, "queue")) != null) {
                b.queue(v);
            }
            if ((v = member(lib, o, "rxhash")) != null) {
                b.rxhash(v);
            }
            if ((v = member(lib, o, "cpu")) != null) {
                b.cpu(v);
            }
            Integer tci = member(lib, o, "vlanTci");
            Integer tpid = member(lib, o, "vlanTpid");
            if (tci != null || tpid != null) {
                b.vlan(tci == null ? 0 : tci, tpid == null ? 0x8100 : tpid);
            }
            if ((v = member(lib, o, "payloadOffset")) != null) {
                b.payloadOffset(v);
            }
            if ((v = member(lib, o, "random")) != null) {
                b.random(v);
            }
            if ((v = member(lib, o, "dataOffset")) != null) {
                b.dataOffset(v);
            }
            if ((v = member(lib, o, "networkOffset")) != null) {
                b.networkOffset(v);
            }
            if ((v = member(lib, o, "linkLayerOffset")) != null) {
                b.linkLayerOffset(v);
            }
            return b.build();
        } catch (InteropException e) {
            throw SluiceException.atNode(node, CoreFailure.BAD_INPUT, "cannot read packet metadata: " + e.getMessage());
        }
    }

    private static Integer member(InteropLibrary lib, Object o, String name) throws InteropException {
        if (!lib.isMemberReadable(o, name)) {
            return null;
        }
        Object v = lib.readMember(o, name);
        InteropLibrary vl = InteropLibrary.getUncached(v);
        if (vl.fitsInInt(v)) {
            return vl.asInt(v);
        }
        if (vl.fitsInLong(v)) {
            return (int) vl.asLong(v);
        }
        throw SluiceException.create(CoreFailure.BAD_INPUT, "packet metadata member " + name + " is not an integer");
    }
}
