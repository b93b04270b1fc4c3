package dev.sluice.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a {@code tcpdump -ddd} listing (a count line, then one "code jt jf k" line per instruction, all decimal) into
 * raw {@code struct sock_filter} bytes in the host's byte order. The benchmark harness does its own conversion so
 * that libpcap's harness and Sluice read the very same file.
 */
public final class DddProgram {
    private DddProgram() {}

    public static byte[] toRaw(Path ddd) throws IOException {
        String[] lines = Files.readString(ddd).strip().split("\\R");
        int count = Integer.parseInt(lines[0].strip());
        if (lines.length != count + 1) {
            throw new IOException(ddd + ": header says " + count + " instructions, file has " + (lines.length - 1));
        }
        ByteBuffer out = ByteBuffer.allocate(count * 8).order(ByteOrder.nativeOrder());
        for (int i = 1; i <= count; i++) {
            String[] f = lines[i].strip().split("\\s+");
            if (f.length != 4) {
                throw new IOException(ddd + ":" + (i + 1) + ": expected 'code jt jf k', got '" + lines[i] + "'");
            }
            out.putShort((short) Integer.parseInt(f[0]));
            out.put((byte) Integer.parseInt(f[1]));
            out.put((byte) Integer.parseInt(f[2]));
            out.putInt((int) Long.parseLong(f[3]));
        }
        return out.array();
    }
}
