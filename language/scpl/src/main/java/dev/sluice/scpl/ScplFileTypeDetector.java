package dev.sluice.scpl;

import com.oracle.truffle.api.TruffleFile;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/** Files named *.scpl are SCPL policies (UTF-8). */
public final class ScplFileTypeDetector implements TruffleFile.FileTypeDetector {
    @Override
    public String findMimeType(TruffleFile file) {
        String name = file.getName();
        return name != null && name.endsWith(".scpl") ? ScplLanguage.MIME : null;
    }

    @Override
    public Charset findEncoding(TruffleFile file) {
        String name = file.getName();
        return name != null && name.endsWith(".scpl") ? StandardCharsets.UTF_8 : null;
    }
}
