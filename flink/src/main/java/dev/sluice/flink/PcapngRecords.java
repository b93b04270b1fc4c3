package dev.sluice.flink;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * pcapng files (IETF draft-ietf-opsawg-pcapng): section header, interface description, enhanced, simple and
 * (obsolete) packet blocks; other blocks are skipped. As libpcap reads them for tcpdump: every interface must have
 * the link type and snaplen of the file's first one, every section the first one's byte order, no packet may be
 * longer than its snaplen (0 is no limit); timestamps follow each interface's {@code if_tsresol} and
 * {@code if_tsoffset} and come out in microseconds (truncated).
 */
final class PcapngRecords extends CaptureRecords {
    static final int SECTION_HEADER = 0x0a0d0d0a;
    private static final int BYTE_ORDER_MAGIC = 0x1a2b3c4d;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int PACKET_OBSOLETE = 2;
    private static final int SIMPLE_PACKET = 3;
    private static final int ENHANCED_PACKET = 6;
    private static final int OPTION_TSRESOL = 9;
    private static final int OPTION_TSOFFSET = 14;
    /** A block larger than this is refused rather than read (libpcap's own limit is also 16 MiB). */
    private static final long MAX_BLOCK = 16 << 20;

    private static final BigInteger MICROS = BigInteger.valueOf(1_000_000);

    /** What a packet needs from its interface: the snapshot length and the timestamp units. */
    private record Interface(int snapshot, long unitsPerSecond, long offsetSeconds) {}

    private final byte[] head = new byte[8];
    private final byte[] fixed = new byte[20];
    private final List<Interface> interfaces = new ArrayList<>();
    private boolean bigEndian;
    private int linkType = -1;
    private long firstSnaplen;

    /** The stream is just past the first section header's block type (read by {@link CaptureRecords#open}). */
    PcapngRecords(String path, InputStream in) throws IOException {
        super(path, in);
        inPacket = false;
        position = 4;
        packetStart = 0;
        sectionHeader(true);
        // Read up to the first interface description, which must come before any packet: it gives the link type.
        while (linkType < 0) {
            packetStart = position;
            int got = in.readNBytes(head, 0, 8);
            position += got;
            if (got == 0) {
                linkType = dev.sluice.core.pcap.Pcap.LINKTYPE_ETHERNET; // no interface, hence no packet
                return;
            }
            if (got < 8) {
                throw fail("truncated pcapng: the file ends " + got + " bytes into a block header");
            }
            int type = u32(head, 0, bigEndian);
            if (type == SECTION_HEADER) {
                sectionHeader(false);
            } else if (type == ENHANCED_PACKET || type == SIMPLE_PACKET || type == PACKET_OBSOLETE) {
                throw fail("a packet block before any interface description block");
            } else {
                block(type, blockLength(), null);
            }
        }
    }

    @Override
    int linkType() {
        return linkType;
    }

    @Override
    boolean next(PcapChunks chunk) throws IOException {
        while (true) {
            packetStart = position;
            inPacket = false;
            int got = in.readNBytes(head, 0, 8);
            position += got;
            if (got == 0) {
                return false;
            }
            if (got < 8) {
                throw fail("truncated pcapng: the file ends " + got + " bytes into a block header");
            }
            int type = u32(head, 0, bigEndian);
            if (type == SECTION_HEADER) {
                sectionHeader(false);
            } else if (block(type, blockLength(), chunk)) {
                return true;
            }
        }
    }

    /** The total length of the block whose header is in {@link #head}, checked. */
    private long blockLength() throws PcapFormatException {
        long length = u32(head, 4, bigEndian) & 0xffffffffL;
        if (length < 12 || length % 4 != 0) {
            throw fail("block length " + length + " is not a multiple of 4 of at least 12");
        }
        if (length > MAX_BLOCK) {
            throw fail("block length " + length + " is above the limit of " + MAX_BLOCK);
        }
        return length;
    }

    /**
     * Reads the rest of a section header (its block type is read): the byte-order magic fixes the byte order, the
     * version must be 1.x. Interfaces are numbered per section.
     */
    private void sectionHeader(boolean first) throws IOException {
        byte[] rest = new byte[8];
        if (!first) {
            System.arraycopy(head, 4, rest, 0, 4);
            readFully(rest, 4, 4, "section header");
        } else {
            readFully(rest, 0, 8, "section header");
        }
        boolean order;
        if (u32(rest, 4, false) == BYTE_ORDER_MAGIC) {
            order = false;
        } else if (u32(rest, 4, true) == BYTE_ORDER_MAGIC) {
            order = true;
        } else {
            throw fail(String.format("section header without the byte-order magic (0x%08x)", u32(rest, 4, false)));
        }
        if (!first && order != bigEndian) {
            throw fail("the file has sections with different byte orders");
        }
        bigEndian = order;
        long length = u32(rest, 0, bigEndian) & 0xffffffffL;
        if (length < 28 || length % 4 != 0 || length > MAX_BLOCK) {
            throw fail("section header length " + length + " is not a multiple of 4 from 28 to " + MAX_BLOCK);
        }
        byte[] version = new byte[4];
        readFully(version, 0, 4, "section header");
        int major = u16(version, 0, bigEndian);
        if (major != 1) {
            throw fail("pcapng version " + major + "." + u16(version, 2, bigEndian) + " is not supported (1.x is)");
        }
        skipFully(length - 16, "section header");
        interfaces.clear();
    }

    /**
     * Handles a block other than a section header whose 8-byte header has been read; with a chunk, a packet block
     * appends its packet and returns true.
     */
    private boolean block(int type, long length, PcapChunks chunk) throws IOException {
        long body = length - 12;
        switch (type) {
            case INTERFACE_DESCRIPTION -> {
                if (body < 8) {
                    throw fail("interface description block of " + length + " bytes");
                }
                byte[] b = new byte[(int) body];
                readFully(b, 0, b.length, "interface description block");
                skipFully(4, "block trailer");
                interfaceDescription(b);
                return false;
            }
            case ENHANCED_PACKET, PACKET_OBSOLETE -> {
                inPacket = true;
                if (body < 20) {
                    throw fail("packet block of " + length + " bytes");
                }
                readFully(fixed, 0, 20, "packet block");
                int interfaceId = type == ENHANCED_PACKET ? u32(fixed, 0, bigEndian) : u16(fixed, 0, bigEndian);
                long ticks = (u32(fixed, 4, bigEndian) & 0xffffffffL) << 32 | u32(fixed, 8, bigEndian) & 0xffffffffL;
                long captured = u32(fixed, 12, bigEndian) & 0xffffffffL;
                int wireLength = u32(fixed, 16, bigEndian);
                Interface i = interfaceNumber(interfaceId);
                if (captured > body - 20) {
                    throw fail("the packet claims " + captured + " bytes but its block holds " + (body - 20));
                }
                if (captured > i.snapshot) {
                    // Unlike a classic pcap, where libpcap cuts such a packet to the snaplen, pcapng refuses it.
                    throw fail("invalid packet capture length " + captured + ", bigger than snaplen of " + i.snapshot);
                }
                long seconds = Long.divideUnsigned(ticks, i.unitsPerSecond) + i.offsetSeconds;
                appendPacket(
                        chunk,
                        seconds,
                        micros(Long.remainderUnsigned(ticks, i.unitsPerSecond), i.unitsPerSecond),
                        captured,
                        wireLength,
                        i.snapshot,
                        "packet data");
                skipFully(body - 20 - captured + 4, "block padding and trailer");
                return true;
            }
            case SIMPLE_PACKET -> {
                inPacket = true;
                if (body < 4) {
                    throw fail("simple packet block of " + length + " bytes");
                }
                readFully(fixed, 0, 4, "simple packet block");
                Interface i = interfaceNumber(0);
                long wireLength = u32(fixed, 0, bigEndian) & 0xffffffffL;
                long captured = Math.min(wireLength, i.snapshot);
                if (captured > body - 4) {
                    throw fail("the packet claims " + captured + " bytes but its block holds " + (body - 4));
                }
                // A simple packet block has no timestamp: libpcap gives it 0.
                appendPacket(chunk, 0, 0, captured, (int) wireLength, i.snapshot, "packet data");
                skipFully(body - 4 - captured + 4, "block padding and trailer");
                return true;
            }
            default -> {
                skipFully(body + 4, "block");
                return false;
            }
        }
    }

    private Interface interfaceNumber(int id) throws PcapFormatException {
        if (id < 0 || id >= interfaces.size()) {
            throw fail("the packet names interface " + Integer.toUnsignedString(id) + " but the section describes "
                    + interfaces.size());
        }
        return interfaces.get(id);
    }

    private void interfaceDescription(byte[] b) throws PcapFormatException {
        int type = u16(b, 0, bigEndian);
        long snaplen = u32(b, 4, bigEndian) & 0xffffffffL;
        if (linkType < 0) {
            linkType = type;
            firstSnaplen = snaplen;
        } else if (type != linkType) {
            throw fail("an interface has link type " + type + ", different from the first interface's " + linkType);
        } else if (snaplen != firstSnaplen) {
            throw fail("an interface has snapshot length " + snaplen + ", different from the first interface's "
                    + firstSnaplen);
        }
        long units = 1_000_000;
        long offset = 0;
        int at = 8;
        while (at + 4 <= b.length) {
            int code = u16(b, at, bigEndian);
            int length = u16(b, at + 2, bigEndian);
            int value = at + 4;
            if (code == 0) {
                break;
            }
            if (value + length > b.length) {
                throw fail("interface option " + code + " of " + length + " bytes runs past its block");
            }
            if (code == OPTION_TSRESOL && length >= 1) {
                int v = b[value] & 0xff;
                if ((v & 0x80) == 0) {
                    if (v > 18) {
                        throw fail("time stamp resolution 10^-" + v + " is not supported");
                    }
                    units = BigInteger.TEN.pow(v).longValueExact();
                } else {
                    if ((v & 0x7f) > 62) {
                        throw fail("time stamp resolution 2^-" + (v & 0x7f) + " is not supported");
                    }
                    units = 1L << (v & 0x7f);
                }
            } else if (code == OPTION_TSOFFSET && length >= 8) {
                // A signed 64-bit count of seconds in the section's byte order.
                long high = bigEndian ? u32(b, value, true) : u32(b, value + 4, false);
                long low = bigEndian ? u32(b, value + 4, true) : u32(b, value, false);
                offset = (high & 0xffffffffL) << 32 | low & 0xffffffffL;
            }
            at = value + (length + 3 & ~3);
        }
        interfaces.add(new Interface(snapshot(snaplen), units, offset));
    }

    /** The fraction of a second in microseconds, truncated, from a count of {@code units} per second. */
    private static int micros(long fraction, long units) {
        if (fraction <= Long.MAX_VALUE / 1_000_000) {
            return (int) (fraction * 1_000_000 / units);
        }
        return BigInteger.valueOf(fraction)
                .multiply(MICROS)
                .divide(BigInteger.valueOf(units))
                .intValue();
    }
}
