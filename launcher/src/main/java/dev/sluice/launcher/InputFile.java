package dev.sluice.launcher;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An input file read as a stream, one slice at a time, so that a capture or data file of any size runs in the memory
 * of one slice (read whole, a capture needed about 2.3x its size in heap and could not pass 2 GB); also what reads the
 * command's smaller files whole ({@link LoadedProgram#readFile}), so both report the same errors.
 */
final class InputFile implements AutoCloseable {
    private final Path path;
    private final InputStream in;
    private final long size;

    private InputFile(Path path, InputStream in, long size) {
        this.path = path;
        this.in = in;
        this.size = size;
    }

    static InputFile open(Path path) {
        try {
            if (Files.isDirectory(path)) {
                throw UserError.invalid(CliFailure.CLI_IS_DIRECTORY, path);
            }
            long size = Files.size(path);
            return new InputFile(path, new BufferedInputStream(Files.newInputStream(path), 1 << 16), size);
        } catch (NoSuchFileException e) {
            throw UserError.invalid(CliFailure.CLI_NO_SUCH_FILE, path);
        } catch (AccessDeniedException e) {
            throw UserError.invalid(CliFailure.CLI_PERMISSION_DENIED, path);
        } catch (IOException e) {
            throw UserError.invalid(CliFailure.CLI_CANNOT_READ, path, e.getMessage());
        }
    }

    /** The file's size when it was opened. */
    long size() {
        return size;
    }

    /** Reads {@code length} bytes into {@code into} at {@code offset}, or fewer at the end of the file; returns how many. */
    int read(byte[] into, int offset, int length) {
        try {
            return in.readNBytes(into, offset, length);
        } catch (IOException e) {
            throw UserError.invalid(CliFailure.CLI_CANNOT_READ, path, e.getMessage());
        }
    }

    /** The rest of the file, whole (program files, keys, signatures: what is read at once). */
    byte[] readAll() {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw UserError.invalid(CliFailure.CLI_CANNOT_READ, path, e.getMessage());
        } catch (OutOfMemoryError e) {
            throw UserError.invalid(CliFailure.CLI_TOO_LARGE, path);
        }
    }

    /** Skips {@code length} bytes, or fewer at the end of the file; returns how many. */
    long skip(long length) {
        try {
            long skipped = 0;
            while (skipped < length) {
                long n = in.skip(length - skipped);
                if (n <= 0) {
                    if (in.read() < 0) {
                        break;
                    }
                    n = 1;
                }
                skipped += n;
            }
            return skipped;
        } catch (IOException e) {
            throw UserError.invalid(CliFailure.CLI_CANNOT_READ, path, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // Only read from: nothing written is lost.
        }
    }
}
