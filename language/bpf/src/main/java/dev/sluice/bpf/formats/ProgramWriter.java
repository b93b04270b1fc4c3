package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Program;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes a program in any {@link OutputFormat}. Text formats are UTF-8 (in practice ASCII) and end with a newline. */
public final class ProgramWriter {
    private ProgramWriter() {}

    /**
     * The program as text.
     *
     * @param name the C identifier for {@link OutputFormat#C} (sanitized; "filter" when null), ignored otherwise
     * @throws IllegalArgumentException for {@link OutputFormat#RAW}, which is binary
     */
    public static String writeText(Program p, OutputFormat f, String name) {
        return switch (f) {
            case ASM -> AsmFormat.print(p);
            case DDD -> DddFormat.print(p);
            case DD -> DdFormat.print(p);
            case C -> CFormat.print(p, name);
            case LISTING -> ListingFormat.print(p);
            case RAW -> throw new IllegalArgumentException("the raw format is binary; use ProgramWriter.write");
        };
    }

    /** The program's bytes: raw records in {@code rawOrder} for RAW, else the UTF-8 text. */
    public static byte[] write(Program p, OutputFormat f, String name, ByteOrder rawOrder) {
        if (f == OutputFormat.RAW) {
            return RawFormat.encode(p, rawOrder);
        }
        return writeText(p, f, name).getBytes(StandardCharsets.UTF_8);
    }
}
