package dev.sluice.bpf.trace;

import com.oracle.truffle.api.Truffle;
import dev.sluice.bpf.lower.LoweredProgram;
import dev.sluice.bpf.nodes.FilterBodyNode;
import dev.sluice.bpf.nodes.ProgramBodyNode;
import dev.sluice.bpf.runtime.PacketMeta;
import dev.sluice.core.error.CoreFailure;
import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.SeccompData;

/**
 * One run of the interpreter's body outside any engine (no context, no compilation, no instruments): for a verdict
 * needed before a polyglot context exists, as {@code sluice exec} checks that its policy lets {@code execve} through,
 * and for SCPL's translation validation, where building a polyglot engine was most of a short command's first run.
 */
public final class DirectRun {
    private DirectRun() {}

    /** The verdict of a seccomp filter on one 64-byte struct seccomp_data. */
    public static int seccomp(LoweredProgram program, byte[] seccompData) {
        if (seccompData.length != SeccompData.SIZE) {
            throw SluiceException.create(CoreFailure.SECCOMP_INPUT_SIZE, seccompData.length);
        }
        FilterBodyNode body = new FilterBodyNode(program);
        return body.execute(
                Truffle.getRuntime().createVirtualFrame(new Object[0], ProgramBodyNode.frameDescriptor()),
                seccompData,
                0,
                SeccompData.SIZE,
                SeccompData.SIZE,
                PacketMeta.DEFAULT);
    }

    /**
     * The verdicts of a seccomp filter on consecutive 64-byte struct seccomp_data records, as the language's
     * {@code runRecords} gives them.
     */
    public static int[] seccompRecords(LoweredProgram program, byte[] records) {
        if (records.length % SeccompData.SIZE != 0) {
            throw SluiceException.create(CoreFailure.SECCOMP_INPUT_SIZE, records.length);
        }
        FilterBodyNode body = new FilterBodyNode(program);
        var frame = Truffle.getRuntime().createVirtualFrame(new Object[0], ProgramBodyNode.frameDescriptor());
        int[] verdicts = new int[records.length / SeccompData.SIZE];
        for (int i = 0; i < verdicts.length; i++) {
            verdicts[i] = body.execute(
                    frame, records, i * SeccompData.SIZE, SeccompData.SIZE, SeccompData.SIZE, PacketMeta.DEFAULT);
        }
        return verdicts;
    }
}
