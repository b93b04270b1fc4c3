package dev.sluice.launcher;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.pcap.Pcap;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a libpcap capture as a stream, in slices of whole records, so a capture of any size runs in the memory of one
 * slice. A slice is the capture's global header followed by records, itself a capture (what the bpf batch entry
 * {@code runPcap} takes); {@link #offsets} and {@link #lengths} give its packets' bytes (what eBPF's {@code runBatch}
 * takes). A capture cut short inside a record ends the reading; {@link #cut} then says where, in tcpdump's terms.
 */
final class CaptureReader implements AutoCloseable {
    private final Path path;
    private final InputFile in;
    private final boolean swapped;
    /** The global header, then the records of the current slice. */
    private byte[] buffer;

    private int used;
    private int[] offsets = new int[64];
    private int[] lengths = new int[64];
    private int slicePackets;
    private int packets;
    /** File position of the next record. */
    private long position = Pcap.GLOBAL_HEADER_SIZE;

    private String cut;
    private boolean ended;

    private CaptureReader(Path path, InputFile in, byte[] buffer, boolean swapped) {
        this.path = path;
        this.in = in;
        this.buffer = buffer;
        this.swapped = swapped;
        this.used = Pcap.GLOBAL_HEADER_SIZE;
    }

    /** Opens the capture and checks its global header (a user error if it is not a pcap file). */
    static CaptureReader open(Path path, long sliceBytes) {
        InputFile in = InputFile.open(path);
        try {
            long first = Math.min(Math.min(in.size(), sliceBytes + (64 << 10)), 1 << 30);
            byte[] buffer = new byte[(int) first + Pcap.RECORD_HEADER_SIZE + Pcap.GLOBAL_HEADER_SIZE];
            int got = in.read(buffer, 0, Pcap.GLOBAL_HEADER_SIZE);
            Pcap.Header header;
            try {
                header = Pcap.header(Arrays.copyOf(buffer, got), null);
            } catch (SluiceException e) {
                throw UserError.invalid(path + ": " + e.detail());
            }
            return new CaptureReader(path, in, buffer, header.swapped());
        } catch (RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /**
     * Refuses a capture cut short inside a record before anything runs (for commands that run nothing of a damaged
     * capture): walks the record headers, skipping the packets' bytes.
     */
    static void requireWhole(Path path) {
        try (CaptureReader r = open(path, 0)) {
            while (r.next(true)) {
                r.slicePackets = 0;
                r.used = Pcap.GLOBAL_HEADER_SIZE;
            }
            if (r.cut != null) {
                throw UserError.invalid(r.cut);
            }
        }
    }

    /**
     * Starts a new slice and reads records into it until its records hold at least {@code sliceBytes} bytes, or the
     * capture ends or is cut; returns whether the slice has any packet.
     */
    boolean nextSlice(long sliceBytes) {
        used = Pcap.GLOBAL_HEADER_SIZE;
        slicePackets = 0;
        while (used - Pcap.GLOBAL_HEADER_SIZE < Math.max(1, sliceBytes) && next(false)) {}
        return slicePackets > 0;
    }

    /** Reads one record into the slice (or past it, skipping the packet's bytes); false at the end or at a cut. */
    private boolean next(boolean skipData) {
        if (ended) {
            return false;
        }
        buffer = room(buffer, used, Pcap.RECORD_HEADER_SIZE);
        int got = in.read(buffer, used, Pcap.RECORD_HEADER_SIZE);
        if (got == 0) {
            ended = true;
            return false;
        }
        if (got < Pcap.RECORD_HEADER_SIZE) {
            cut = CliFailure.CLI_PCAP_CUT_IN_HEADER.message(path, packets + 1, got, packets);
            ended = true;
            return false;
        }
        int caplen = Pcap.u32(buffer, used + 8, swapped);
        long left = Math.max(0, in.size() - position - Pcap.RECORD_HEADER_SIZE);
        if (caplen >= 0 && caplen <= left) {
            if (skipData) {
                left = in.skip(caplen);
            } else {
                buffer = room(buffer, used + Pcap.RECORD_HEADER_SIZE, caplen);
                left = in.read(buffer, used + Pcap.RECORD_HEADER_SIZE, caplen);
            }
        }
        if (caplen < 0 || caplen > left) {
            cut = CliFailure.CLI_PCAP_CUT_IN_DATA.message(
                    path, packets + 1, Integer.toUnsignedString(caplen), left, packets);
            ended = true;
            return false;
        }
        if (slicePackets == offsets.length) {
            offsets = Arrays.copyOf(offsets, 2 * slicePackets);
            lengths = Arrays.copyOf(lengths, 2 * slicePackets);
        }
        offsets[slicePackets] = used + Pcap.RECORD_HEADER_SIZE;
        lengths[slicePackets] = caplen;
        slicePackets++;
        packets++;
        used += Pcap.RECORD_HEADER_SIZE + (skipData ? 0 : caplen);
        position += Pcap.RECORD_HEADER_SIZE + caplen;
        return true;
    }

    /** {@code buffer}, or a larger copy of its first {@code used} bytes, with room for {@code more} after them. */
    private byte[] room(byte[] buffer, int used, int more) {
        long need = (long) used + more;
        if (need <= buffer.length) {
            return buffer;
        }
        if (need > Integer.MAX_VALUE - 8) {
            throw UserError.invalid(CliFailure.CLI_TOO_LARGE, path);
        }
        return Arrays.copyOf(buffer, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, 2L * buffer.length)));
    }

    /** The current slice: the global header and the slice's records, a capture of its own. */
    byte[] slice() {
        return Arrays.copyOf(buffer, used);
    }

    /** Where each packet of the slice starts in {@link #slice}. */
    int[] offsets() {
        return Arrays.copyOf(offsets, slicePackets);
    }

    /** Each packet's captured length. */
    int[] lengths() {
        return Arrays.copyOf(lengths, slicePackets);
    }

    int slicePackets() {
        return slicePackets;
    }

    /** The file position after the records read so far. */
    long position() {
        return position;
    }

    long size() {
        return in.size();
    }

    /** Where the capture was cut short (tcpdump's "truncated dump file" message), or null if it ended whole. */
    String cut() {
        return cut;
    }

    @Override
    public void close() {
        in.close();
    }
}
