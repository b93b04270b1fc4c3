/** The sluice command-line tool. */
module dev.sluice.launcher {
    requires org.graalvm.polyglot;
    requires dev.sluice.core;
    requires dev.sluice.bpf;
    requires dev.sluice.scpl;
    requires dev.sluice.ebpf;
    requires dev.sluice.inetdiag;
    requires info.picocli;

    opens dev.sluice.launcher to
            info.picocli;

    exports dev.sluice.launcher;
}
