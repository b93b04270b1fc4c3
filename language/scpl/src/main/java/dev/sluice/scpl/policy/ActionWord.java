package dev.sluice.scpl.policy;

import dev.sluice.core.seccomp.SeccompAction;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The action words of SCPL, the one place they are spelled: the parser reads them, the checker resolves them to
 * seccomp actions, and {@link Action#toString} and the OCI importer write them. {@code Kill} is an older spelling of
 * {@code KillThread}; the others name one seccomp action each.
 */
public enum ActionWord {
    ALLOW("Allow", SeccompAction.ALLOW),
    KILL("Kill", SeccompAction.KILL_THREAD),
    KILL_THREAD("KillThread", SeccompAction.KILL_THREAD),
    KILL_PROCESS("KillProcess", SeccompAction.KILL_PROCESS),
    TRAP("Trap", SeccompAction.TRAP),
    ERRNO("Errno", SeccompAction.ERRNO),
    TRACE("Trace", SeccompAction.TRACE),
    LOG("Log", SeccompAction.LOG),
    NOTIFY("Notify", SeccompAction.USER_NOTIF);

    /** How policies and Sluice write the word. */
    public final String spelling;
    /** The seccomp action it names. */
    public final SeccompAction action;

    ActionWord(String spelling, SeccompAction action) {
        this.spelling = spelling;
        this.action = action;
    }

    /** The word as the parser compares it: case and underscores do not matter ({@code KILL_PROCESS}, {@code killprocess}). */
    public static String key(String word) {
        return word.toLowerCase(Locale.ROOT).replace("_", "");
    }

    /** The keys of every word (what {@link #key} gives for them). */
    public static final Set<String> KEYS =
            Stream.of(values()).map(w -> key(w.spelling)).collect(Collectors.toUnmodifiableSet());

    /** The word a key names, or null. */
    public static ActionWord ofKey(String key) {
        for (ActionWord w : values()) {
            if (key(w.spelling).equals(key)) {
                return w;
            }
        }
        return null;
    }

    /** The word Sluice writes for an action ({@code KillThread}, not the older {@code Kill}). */
    public static ActionWord of(SeccompAction action) {
        for (ActionWord w : values()) {
            if (w.action == action && w != KILL) {
                return w;
            }
        }
        throw new IllegalArgumentException(action.toString());
    }

    /** Every spelling, for messages: {@code Allow, Kill, ..., Log or Notify}. */
    public static String list() {
        String all = Stream.of(values()).map(w -> w.spelling).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
