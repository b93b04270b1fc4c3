package dev.sluice.bpf.lower;

/** Receives each operation a constant-time run evaluates; used by tests to compare traces across inputs. */
public interface OperationTrace {
    void operation(int pc, int op);

    /**
     * A value the work of the current operation depends on and that must therefore not depend on a secret: the
     * input offset a load reads, the divisor of a division by X, each attribute offset a netlink walk visits.
     */
    void dependsOn(int pc, long value);
}
