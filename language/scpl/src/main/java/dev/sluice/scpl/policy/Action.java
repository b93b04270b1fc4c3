package dev.sluice.scpl.policy;

import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.scpl.syscalls.Errno;

/**
 * A resolved SCPL action. Its return value is encoded only by {@link SeccompAction#encode(int)}, the project's one
 * place for SECCOMP_RET_* values.
 */
public record Action(SeccompAction kind, int data) {
    public int encode() {
        return kind.encode(data);
    }

    /** The action in SCPL spelling, e.g. {@code Errno EACCES}. */
    @Override
    public String toString() {
        String word = ActionWord.of(kind).spelling;
        return switch (kind) {
            case TRAP, TRACE -> word + " " + data;
            case ERRNO -> word + " " + Errno.name(data).orElse(Integer.toString(data));
            default -> word;
        };
    }
}
