package dev.sluice.bpf;

import com.oracle.truffle.api.TruffleFile;
import dev.sluice.bpf.formats.TextFormats;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;

/**
 * Decides by content, not by file name, whether a BPF file is raw bytes or text; only files named *.bpf, *.asm,
 * *.ddd, *.dd or *.filter are claimed, so other languages' files are left alone.
 */
public final class BpfFileTypeDetector implements TruffleFile.FileTypeDetector {
    @Override
    public String findMimeType(TruffleFile file) throws IOException {
        String name = file.getName();
        if (name == null
                || !(name.endsWith(".bpf")
                        || name.endsWith(".asm")
                        || name.endsWith(".ddd")
                        || name.endsWith(".dd")
                        || name.endsWith(".filter"))) {
            return null;
        }
        byte[] head;
        try (InputStream in = file.newInputStream()) {
            head = in.readNBytes(4096);
        }
        return TextFormats.looksLikeText(head) ? BpfLanguage.MIME_TEXT : BpfLanguage.MIME_BINARY;
    }

    @Override
    public Charset findEncoding(TruffleFile file) {
        return java.nio.charset.StandardCharsets.UTF_8;
    }
}
