package dev.sluice.bpf.formats;

import dev.sluice.bpf.isa.Program;

/**
 * A C definition ready to paste: the {@code struct sock_filter} array in tcpdump -dd rows and the
 * {@code struct sock_fprog} that setsockopt(SO_ATTACH_FILTER) and prctl/seccomp(SECCOMP_SET_MODE_FILTER) take.
 * {@link DdFormat} reads it back.
 */
public final class CFormat {
    private CFormat() {}

    public static String print(Program p, String name) {
        String id = identifier(name);
        StringBuilder sb = new StringBuilder();
        sb.append("/* Classic BPF program, ")
                .append(p.length())
                .append(p.length() == 1 ? " instruction" : " instructions")
                .append(" (written by Sluice). */\n");
        sb.append("#include <linux/filter.h>\n\n");
        sb.append("struct sock_filter ").append(id).append("[] = {\n");
        for (int i = 0; i < p.length(); i++) {
            sb.append('\t').append(DdFormat.row(p.get(i))).append('\n');
        }
        sb.append("};\n\n");
        sb.append("struct sock_fprog ").append(id).append("_prog = {\n");
        sb.append("\t.len = ").append(p.length()).append(",\n");
        sb.append("\t.filter = ").append(id).append(",\n");
        sb.append("};\n");
        return sb.toString();
    }

    /** A C identifier from a name (a file name, say): other characters become '_'; "filter" when empty. */
    static String identifier(String name) {
        if (name == null || name.isBlank()) {
            return "filter";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            sb.append(c < 0x80 && (Character.isLetterOrDigit(c) || c == '_') ? c : '_');
        }
        if (Character.isDigit(sb.charAt(0))) {
            sb.insert(0, '_');
        }
        return sb.toString();
    }
}
