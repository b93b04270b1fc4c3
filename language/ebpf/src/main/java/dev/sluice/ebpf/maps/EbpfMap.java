package dev.sluice.ebpf.maps;

import com.oracle.truffle.api.CompilerDirectives.TruffleBoundary;
import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;
import com.oracle.truffle.api.interop.TruffleObject;
import com.oracle.truffle.api.interop.UnknownKeyException;
import com.oracle.truffle.api.interop.UnsupportedMessageException;
import com.oracle.truffle.api.interop.UnsupportedTypeException;
import com.oracle.truffle.api.library.ExportLibrary;
import com.oracle.truffle.api.library.ExportMessage;
import dev.sluice.core.interop.InteropArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One eBPF map: array, hash, per-CPU array and hash (one CPU, so one value per key), LRU hash, or program array.
 * Keys and values are byte strings of the declared sizes. Programs reach a value through a pointer into its own
 * region (see {@code Memory}); the host sees the map as a polyglot hash: keys and values of 1, 2, 4 or 8 bytes as
 * numbers (little-endian, unsigned below 8 bytes), other sizes as arrays of bytes; a program array holds programs.
 * All operations are synchronized, so host threads and runs may use one map together.
 */
@ExportLibrary(InteropLibrary.class)
public final class EbpfMap implements TruffleObject {
    // Linux errno values the map helpers return negated.
    public static final int ENOENT = 2, E2BIG = 7, EEXIST = 17, EINVAL = 22;
    public static final long BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2;

    private final MapSpec spec;
    /** Values by entry index; an array map's indices are its keys. Replaced (never mutated in size) when it grows. */
    private volatile byte[][] values;
    /** Hash maps: key -> entry index (access order for LRU maps). */
    private final Map<Key, Integer> index;

    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int used;
    /** Program arrays: the programs. */
    private final Object[] programs;

    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    /** The language whose guest value this map is, as its creator says (maps do not know the language class). */
    private final Class<? extends TruffleLanguage<?>> language;

    /** A map with no language (a test's, or a host tool's). */
    public EbpfMap(MapSpec spec) {
        this(spec, null);
    }

    public EbpfMap(MapSpec spec, Class<? extends TruffleLanguage<?>> language) {
        this.spec = spec;
        this.language = language;
        MapType type = spec.type();
        if (type == MapType.PROG_ARRAY) {
            this.programs = new Object[spec.maxEntries()];
            this.values = new byte[0][];
            this.index = null;
        } else if (type.isArray()) {
            this.programs = null;
            this.index = null;
            byte[][] v = new byte[spec.maxEntries()][];
            for (int i = 0; i < v.length; i++) {
                v[i] = new byte[spec.valueSize()];
            }
            this.values = v;
        } else {
            this.programs = null;
            this.index = type.isLru() ? new LinkedHashMap<>(16, 0.75f, true) : new HashMap<>();
            this.values = new byte[Math.min(16, spec.maxEntries())][];
        }
    }

    public MapSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    /** The bytes of entry {@code entry}, or null (deleted or never used); what a value pointer reads and writes. */
    public byte[] valueAt(int entry) {
        byte[][] v = values;
        return entry >= 0 && entry < v.length ? v[entry] : null;
    }

    private int arrayIndex(byte[] key) {
        int i = (key[0] & 0xff) | (key[1] & 0xff) << 8 | (key[2] & 0xff) << 16 | (key[3] & 0xff) << 24;
        return Integer.compareUnsigned(i, spec.maxEntries()) < 0 ? i : -1;
    }

    /** The entry index of {@code key}, or -1 (bpf_map_lookup_elem). */
    @TruffleBoundary
    public synchronized int lookup(byte[] key) {
        if (spec.type().isArray()) {
            return arrayIndex(key);
        }
        Integer e = index.get(new Key(key));
        return e == null ? -1 : e;
    }

    /** bpf_map_update_elem: 0 or a negative errno. */
    @TruffleBoundary
    public synchronized int update(byte[] key, byte[] value, long flags) {
        if (flags != BPF_ANY && flags != BPF_NOEXIST && flags != BPF_EXIST) {
            return -EINVAL;
        }
        if (spec.type().isArray()) {
            int i = arrayIndex(key);
            if (i < 0) {
                return -E2BIG;
            }
            if (flags == BPF_NOEXIST) {
                return -EEXIST;
            }
            System.arraycopy(value, 0, values[i], 0, spec.valueSize());
            return 0;
        }
        Key k = new Key(key.clone());
        Integer e = index.get(k);
        if (e != null) {
            if (flags == BPF_NOEXIST) {
                return -EEXIST;
            }
            System.arraycopy(value, 0, values[e], 0, spec.valueSize());
            return 0;
        }
        if (flags == BPF_EXIST) {
            return -ENOENT;
        }
        if (used >= spec.maxEntries()) {
            if (!spec.type().isLru()) {
                return -E2BIG;
            }
            Key eldest = index.keySet().iterator().next();
            release(index.remove(eldest));
        }
        int slot = allocate();
        values[slot] = value.clone();
        index.put(k, slot);
        return 0;
    }

    /** bpf_map_delete_elem: 0 or a negative errno. */
    @TruffleBoundary
    public synchronized int delete(byte[] key) {
        if (spec.type().isArray()) {
            return -EINVAL;
        }
        Integer e = index.remove(new Key(key));
        if (e == null) {
            return -ENOENT;
        }
        release(e);
        return 0;
    }

    private int allocate() {
        used++;
        if (!free.isEmpty()) {
            return free.pop();
        }
        int slot = used - 1;
        if (slot >= values.length) {
            values = Arrays.copyOf(values, Math.min(spec.maxEntries(), Math.max(16, values.length * 2)));
        }
        return slot;
    }

    private void release(int slot) {
        used--;
        values[slot] = null; // a stale pointer to it now fails its guard instead of reading a reused entry
        free.push(slot);
    }

    /** The program at {@code i} of a program array, or null. */
    @TruffleBoundary
    public synchronized Object program(long i) {
        return programs != null && i >= 0 && i < programs.length ? programs[(int) i] : null;
    }

    // ------------------------------------------------------------------ host view (interop hash)

    private byte[] keyFromHost(Object key) throws UnsupportedTypeException {
        return bytesFromHost(key, spec.keySize());
    }

    private static byte[] bytesFromHost(Object o, int size) throws UnsupportedTypeException {
        InteropLibrary lib = InteropLibrary.getUncached(o);
        try {
            if (lib.fitsInLong(o) && (size == 1 || size == 2 || size == 4 || size == 8)) {
                long v = lib.asLong(o);
                if (size < 8 && (v < 0 || v >>> (8 * size) != 0) && !(v < 0 && v >= -(1L << (8 * size - 1)))) {
                    throw UnsupportedTypeException.create(new Object[] {o}, v + " does not fit in " + size + " bytes");
                }
                byte[] b = new byte[size];
                for (int i = 0; i < size; i++) {
                    b[i] = (byte) (v >>> (8 * i));
                }
                return b;
            }
            if (lib.hasArrayElements(o) && lib.getArraySize(o) == size) {
                byte[] b = new byte[size];
                for (int i = 0; i < size; i++) {
                    b[i] = (byte) InteropLibrary.getUncached().asLong(lib.readArrayElement(o, i));
                }
                return b;
            }
            if (lib.hasBufferElements(o) && lib.getBufferSize(o) == size) {
                byte[] b = new byte[size];
                for (int i = 0; i < size; i++) {
                    b[i] = lib.readBufferByte(o, i);
                }
                return b;
            }
        } catch (InteropException e) {
            // not convertible: reported below
        }
        throw UnsupportedTypeException.create(new Object[] {o}, "expected a number or " + size + " bytes");
    }

    private static Object toHost(byte[] b) {
        int n = b.length;
        if (n == 1 || n == 2 || n == 4 || n == 8) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v |= (b[i] & 0xffL) << (8 * i);
            }
            return v;
        }
        Object[] bytes = new Object[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (long) (b[i] & 0xff);
        }
        return new InteropArray(bytes);
    }

    @ExportMessage
    boolean hasHashEntries() {
        return true;
    }

    @ExportMessage
    @TruffleBoundary
    synchronized long getHashSize() {
        return spec.type().isArray() ? spec.maxEntries() : used;
    }

    @ExportMessage(name = "isHashEntryReadable")
    @ExportMessage(name = "isHashEntryModifiable")
    @TruffleBoundary
    boolean isHashEntryReadable(Object key) {
        try {
            return lookup(keyFromHost(key)) >= 0;
        } catch (UnsupportedTypeException e) {
            return false;
        }
    }

    @ExportMessage
    @TruffleBoundary
    boolean isHashEntryRemovable(Object key) {
        return !spec.type().isArray() && isHashEntryReadable(key);
    }

    @ExportMessage
    @TruffleBoundary
    boolean isHashEntryInsertable(Object key) {
        try {
            return !spec.type().isArray() && lookup(keyFromHost(key)) < 0;
        } catch (UnsupportedTypeException e) {
            return false;
        }
    }

    @ExportMessage
    @TruffleBoundary
    synchronized Object readHashValue(Object key) throws UnknownKeyException, UnsupportedMessageException {
        byte[] k;
        try {
            k = keyFromHost(key);
        } catch (UnsupportedTypeException e) {
            throw UnknownKeyException.create(key);
        }
        int e = lookup(k);
        if (e < 0) {
            throw UnknownKeyException.create(key);
        }
        if (programs != null) {
            Object p = programs[e];
            if (p == null) {
                throw UnknownKeyException.create(key);
            }
            return p;
        }
        return toHost(values[e]);
    }

    @ExportMessage
    @TruffleBoundary
    synchronized void writeHashEntry(Object key, Object value) throws UnsupportedTypeException, UnknownKeyException {
        byte[] k = keyFromHost(key);
        if (programs != null) {
            int i = arrayIndex(k);
            if (i < 0) {
                throw UnknownKeyException.create(key);
            }
            if (!(value instanceof TailCallTarget)) {
                throw UnsupportedTypeException.create(new Object[] {value}, "a prog_array map holds eBPF programs");
            }
            programs[i] = value;
            return;
        }
        int result = update(k, bytesFromHost(value, spec.valueSize()), BPF_ANY);
        if (result != 0) {
            throw UnknownKeyException.create(key); // full (E2BIG) or outside an array map
        }
    }

    @ExportMessage
    @TruffleBoundary
    synchronized void removeHashEntry(Object key) throws UnknownKeyException, UnsupportedMessageException {
        if (spec.type().isArray()) {
            if (programs != null) {
                try {
                    int i = arrayIndex(keyFromHost(key));
                    if (i >= 0 && programs[i] != null) {
                        programs[i] = null;
                        return;
                    }
                } catch (UnsupportedTypeException e) {
                    // unknown below
                }
                throw UnknownKeyException.create(key);
            }
            throw UnsupportedMessageException.create();
        }
        try {
            if (delete(keyFromHost(key)) != 0) {
                throw UnknownKeyException.create(key);
            }
        } catch (UnsupportedTypeException e) {
            throw UnknownKeyException.create(key);
        }
    }

    @ExportMessage
    @TruffleBoundary
    synchronized Object getHashEntriesIterator() throws UnsupportedMessageException {
        List<Object> entries = new ArrayList<>();
        if (programs != null) {
            for (int i = 0; i < programs.length; i++) {
                if (programs[i] != null) {
                    entries.add(new InteropArray((long) i, programs[i]));
                }
            }
        } else if (spec.type().isArray()) {
            for (int i = 0; i < values.length; i++) {
                entries.add(new InteropArray((long) i, toHost(values[i])));
            }
        } else {
            for (Map.Entry<Key, Integer> e : index.entrySet()) {
                entries.add(new InteropArray(toHost(e.getKey().bytes()), toHost(values[e.getValue()])));
            }
        }
        return InteropLibrary.getUncached().getIterator(new InteropArray(entries.toArray()));
    }

    @ExportMessage
    boolean hasMembers() {
        return true;
    }

    @ExportMessage
    Object getMembers(@SuppressWarnings("unused") boolean includeInternal) {
        return new InteropArray("name", "type", "keySize", "valueSize", "maxEntries");
    }

    @ExportMessage
    boolean isMemberReadable(String member) {
        return switch (member) {
            case "name", "type", "keySize", "valueSize", "maxEntries" -> true;
            default -> false;
        };
    }

    @ExportMessage
    Object readMember(String member) throws com.oracle.truffle.api.interop.UnknownIdentifierException {
        return switch (member) {
            case "name" -> spec.name();
            case "type" -> spec.type().id;
            case "keySize" -> spec.keySize();
            case "valueSize" -> spec.valueSize();
            case "maxEntries" -> spec.maxEntries();
            default -> throw com.oracle.truffle.api.interop.UnknownIdentifierException.create(member);
        };
    }

    @ExportMessage
    boolean hasLanguage() {
        return language != null;
    }

    @ExportMessage
    Class<? extends TruffleLanguage<?>> getLanguage() throws UnsupportedMessageException {
        if (language == null) {
            throw UnsupportedMessageException.create();
        }
        return language;
    }

    @ExportMessage
    @TruffleBoundary
    Object toDisplayString(@SuppressWarnings("unused") boolean allowSideEffects) {
        return spec.type().id + " map '" + spec.name() + "' (key " + spec.keySize() + " bytes, value "
                + spec.valueSize() + " bytes, max " + spec.maxEntries() + ")";
    }
}
