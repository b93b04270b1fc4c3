package dev.sluice.inetdiag.lower;

import static dev.sluice.inetdiag.isa.Ops.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns bytecode the {@link dev.sluice.inetdiag.verify.Audit} accepted into a {@link LoweredFilter}. */
public final class Lowering {
    private Lowering() {}

    public static LoweredFilter lower(byte[] bc) {
        List<Integer> chain = new ArrayList<>();
        Map<Integer, Integer> indexOf = new HashMap<>();
        for (int at = 0; at < bc.length; at += u8(bc, at + 1)) {
            indexOf.put(at, chain.size());
            chain.add(at);
        }
        int n = chain.size();
        indexOf.put(bc.length, n);
        indexOf.put(bc.length + 4, n + 1);
        int[] codes = new int[n];
        int[] yes = new int[n];
        int[] no = new int[n];
        int[] offsets = new int[n];
        int[] ports = new int[n];
        int[] families = new int[n];
        int[] prefixes = new int[n];
        int[] values = new int[n];
        int[] masks = new int[n];
        int[][] addresses = new int[n][];
        long[] cgroups = new long[n];
        for (int i = 0; i < n; i++) {
            int at = chain.get(i);
            int code = u8(bc, at);
            codes[i] = code;
            offsets[i] = at;
            yes[i] = indexOf.get(at + u8(bc, at + 1));
            // NOP's 'no' is never taken and the kernel does not check it.
            no[i] = code == NOP ? yes[i] : indexOf.get(at + u16(bc, at + 2));
            int cond = at + OP_SIZE;
            switch (code) {
                case S_GE, S_LE, D_GE, D_LE, S_EQ, D_EQ -> ports[i] = u16(bc, cond + 2);
                case S_COND, D_COND -> {
                    families[i] = u8(bc, cond);
                    prefixes[i] = u8(bc, cond + 1);
                    ports[i] = s32(bc, cond + 4);
                    int words = families[i] == AF_INET6 ? 4 : families[i] == AF_INET ? 1 : 0;
                    int[] addr = new int[words];
                    for (int w = 0; w < words; w++) {
                        addr[w] = be32(bc, cond + HOSTCOND_SIZE + 4 * w);
                    }
                    addresses[i] = addr;
                }
                case DEV_COND -> values[i] = s32(bc, cond);
                case MARK_COND -> {
                    values[i] = s32(bc, cond);
                    masks[i] = s32(bc, cond + 4);
                }
                case CGROUP_COND -> cgroups[i] = s64(bc, cond);
                default -> {}
            }
            if (addresses[i] == null) {
                addresses[i] = new int[0];
            }
        }
        return new LoweredFilter(
                codes, yes, no, offsets, ports, families, prefixes, values, masks, addresses, cgroups, bc.clone());
    }
}
