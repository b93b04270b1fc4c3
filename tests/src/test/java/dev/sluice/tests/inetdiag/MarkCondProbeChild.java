package dev.sluice.tests.inetdiag;

import dev.sluice.core.error.SluiceException;
import dev.sluice.inetdiag.kernel.SockDiag;
import dev.sluice.inetdiag.verify.Audit;
import java.util.HexFormat;

/**
 * Run in a child JVM without CAP_NET_ADMIN ({@link KernelInetDiagTest#markCondNeedsNetAdminInTheKernelAndInSluice}):
 * sends each program given in hex to the kernel and runs Sluice's checker as a requester without the capability, and
 * prints one line per program: {@code kernel=ok|errno N sluice=ok|FAILURE_KIND}.
 */
public final class MarkCondProbeChild {
    private MarkCondProbeChild() {}

    public static void main(String[] args) {
        for (String hex : args) {
            byte[] bc = HexFormat.of().parseHex(hex);
            String kernel;
            try {
                SockDiag.dump(2, 6, bc);
                kernel = "ok";
            } catch (SockDiag.KernelRefusal e) {
                kernel = "errno " + e.errno;
            }
            String sluice;
            try {
                Audit.check(bc, false);
                sluice = "ok";
            } catch (SluiceException e) {
                sluice = e.failure().toString();
            }
            System.out.println("kernel=" + kernel + " sluice=" + sluice);
        }
    }
}
