package dev.sluice.ebpf.nodes;

/** A root that runs (part of) a named eBPF program: the name its listing is shown under. */
interface ProgramNamed {
    String programName();
}
