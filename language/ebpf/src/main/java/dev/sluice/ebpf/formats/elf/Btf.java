package dev.sluice.ebpf.formats.elf;

import java.util.ArrayList;
import java.util.List;

/**
 * Just enough BTF to read map definitions in a {@code .maps} section: the type table with each kind's record size (so
 * that every type can be skipped), names, struct members, array lengths and type sizes. Layouts are the kernel's
 * (include/uapi/linux/btf.h: struct btf_header, struct btf_type and the per-kind trailers; Documentation/bpf/btf.rst).
 */
final class Btf {
    static final int KIND_INT = 1,
            KIND_PTR = 2,
            KIND_ARRAY = 3,
            KIND_STRUCT = 4,
            KIND_UNION = 5,
            KIND_ENUM = 6,
            KIND_FWD = 7,
            KIND_TYPEDEF = 8,
            KIND_VOLATILE = 9,
            KIND_CONST = 10,
            KIND_RESTRICT = 11,
            KIND_FUNC = 12,
            KIND_FUNC_PROTO = 13,
            KIND_VAR = 14,
            KIND_DATASEC = 15,
            KIND_FLOAT = 16,
            KIND_DECL_TAG = 17,
            KIND_TYPE_TAG = 18,
            KIND_ENUM64 = 19;
    private static final int MAGIC = 0xeb9f;
    /** How deep a chain of typedefs, qualifiers and arrays may be before it is called a cycle. */
    private static final int MAX_CHAIN = 32;

    /** One type; {@code members} holds (name, type id, offset) triples for structs and unions, (type, offset, size) for datasecs. */
    record Type(
            int id,
            int kind,
            String name,
            int vlen,
            int sizeOrType,
            long at,
            int[] members,
            String[] memberNames,
            int arrayElem,
            int arrayLength) {}

    private final ElfFile elf;
    private final List<Type> types = new ArrayList<>();

    Btf(ElfFile elf, ElfFile.Section section) {
        this.elf = elf;
        types.add(new Type(0, 0, "void", 0, 0, section.offset(), new int[0], new String[0], 0, 0));
        long base = section.offset();
        if (section.size() < 24) {
            throw elf.error(
                    base, "section '.BTF' of " + section.size() + " bytes is shorter than the 24-byte BTF header");
        }
        if (elf.u16(base) != MAGIC) {
            throw elf.error(
                    base,
                    String.format(
                            "section '.BTF' does not start with the BTF magic 0xeb9f (found 0x%04x)", elf.u16(base)));
        }
        long hdrLen = elf.u32(base + 4) & 0xffffffffL;
        long typeOff = elf.u32(base + 8) & 0xffffffffL;
        long typeLen = elf.u32(base + 12) & 0xffffffffL;
        long strOff = elf.u32(base + 16) & 0xffffffffL;
        long strLen = elf.u32(base + 20) & 0xffffffffL;
        long data = base + hdrLen;
        long sectionEnd = base + section.size();
        if (hdrLen < 24
                || hdrLen > section.size()
                || typeOff + typeLen > section.size() - hdrLen
                || strOff + strLen > section.size() - hdrLen) {
            throw elf.error(
                    base,
                    "BTF header: type table (" + typeOff + "+" + typeLen + ") or string table (" + strOff + "+" + strLen
                            + ") lies outside the section of " + section.size() + " bytes after a " + hdrLen
                            + "-byte header");
        }
        long strings = data + strOff;
        long at = data + typeOff;
        long end = at + typeLen;
        while (at < end) {
            if (end - at < 12) {
                throw elf.error(at, "BTF type " + types.size() + " is cut off by the end of the type table");
            }
            int nameOff = elf.u32(at);
            int info = elf.u32(at + 4);
            int sizeOrType = elf.u32(at + 8);
            int vlen = info & 0xffff;
            int kind = (info >>> 24) & 0x1f;
            String name = nameOff == 0
                    ? ""
                    : elf.string(strings, strLen, nameOff, at, "BTF type " + types.size() + "'s name");
            long trailer = at + 12;
            long trailerSize = switch (kind) {
                case KIND_INT, KIND_VAR, KIND_DECL_TAG -> 4;
                case KIND_ARRAY -> 12;
                case KIND_STRUCT, KIND_UNION, KIND_DATASEC, KIND_ENUM64 -> 12L * vlen;
                case KIND_ENUM, KIND_FUNC_PROTO -> 8L * vlen;
                case KIND_PTR,
                        KIND_FWD,
                        KIND_TYPEDEF,
                        KIND_VOLATILE,
                        KIND_CONST,
                        KIND_RESTRICT,
                        KIND_FUNC,
                        KIND_FLOAT,
                        KIND_TYPE_TAG -> 0;
                default -> throw elf.error(at, "BTF type " + types.size() + " has unknown kind " + kind);
            };
            if (trailer + trailerSize > end || trailer + trailerSize > sectionEnd) {
                throw elf.error(
                        at, "BTF type " + types.size() + " '" + name + "' is cut off by the end of the type table");
            }
            int[] members = new int[0];
            String[] memberNames = new String[0];
            int arrayElem = 0;
            int arrayLength = 0;
            if (kind == KIND_STRUCT || kind == KIND_UNION || kind == KIND_DATASEC) {
                members = new int[3 * vlen];
                memberNames = new String[vlen];
                for (int m = 0; m < vlen; m++) {
                    long mat = trailer + 12L * m;
                    if (kind == KIND_DATASEC) {
                        members[3 * m] = elf.u32(mat); // var type
                        members[3 * m + 1] = elf.u32(mat + 4); // offset
                        members[3 * m + 2] = elf.u32(mat + 8); // size
                        memberNames[m] = "";
                    } else {
                        int mname = elf.u32(mat);
                        memberNames[m] = mname == 0
                                ? ""
                                : elf.string(
                                        strings, strLen, mname, mat, "BTF member " + m + " of type " + types.size());
                        members[3 * m] = mname;
                        members[3 * m + 1] = elf.u32(mat + 4); // type
                        members[3 * m + 2] = elf.u32(mat + 8); // bit offset
                    }
                }
            } else if (kind == KIND_ARRAY) {
                arrayElem = elf.u32(trailer);
                arrayLength = elf.u32(trailer + 8);
            }
            types.add(new Type(
                    types.size(), kind, name, vlen, sizeOrType, at, members, memberNames, arrayElem, arrayLength));
            at = trailer + trailerSize;
        }
    }

    Type type(int id, long referencedAt) {
        if (id < 0 || id >= types.size()) {
            throw elf.error(
                    referencedAt,
                    "BTF type id " + (id & 0xffffffffL) + " is not one of the " + types.size() + " types");
        }
        return types.get(id);
    }

    Type datasec(String name) {
        for (Type t : types) {
            if (t.kind() == KIND_DATASEC && t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** Follows typedefs, qualifiers and type tags to the type they name. */
    Type resolve(Type t) {
        Type cur = t;
        for (int i = 0; i < MAX_CHAIN; i++) {
            switch (cur.kind()) {
                case KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_TYPE_TAG ->
                    cur = type(cur.sizeOrType(), cur.at());
                default -> {
                    return cur;
                }
            }
        }
        throw elf.error(
                t.at(),
                "BTF type " + t.id() + " '" + t.name() + "': chain of typedefs and qualifiers longer than " + MAX_CHAIN
                        + " (a cycle?)");
    }

    /** The size in bytes of a type, as sizeof would give it. */
    long sizeOf(Type t) {
        return sizeOf(t, 0);
    }

    private long sizeOf(Type t, int depth) {
        if (depth > MAX_CHAIN) {
            throw elf.error(
                    t.at(),
                    "BTF type " + t.id() + " '" + t.name() + "' nests more than " + MAX_CHAIN + " levels (a cycle?)");
        }
        Type r = resolve(t);
        return switch (r.kind()) {
            case KIND_INT, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_ENUM64, KIND_FLOAT, KIND_DATASEC ->
                r.sizeOrType() & 0xffffffffL;
            case KIND_PTR -> 8;
            case KIND_ARRAY -> (r.arrayLength() & 0xffffffffL) * sizeOf(type(r.arrayElem(), r.at()), depth + 1);
            default ->
                throw elf.error(
                        r.at(), "BTF type " + r.id() + " '" + r.name() + "' (kind " + r.kind() + ") has no size");
        };
    }
}
