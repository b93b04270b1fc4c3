package dev.sluice.flink;

import java.io.IOException;

/**
 * A capture file libpcap would not read (classic pcap or pcapng): the message names the file and, past its header,
 * the packet (1-based, as tcpdump counts) or pcapng block and its byte offset. The job fails with it;
 * {@link PcapFilterJob} prints it as one line.
 */
public final class PcapFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public PcapFormatException(String message) {
        super(message);
    }
}
