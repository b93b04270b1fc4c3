package dev.sluice.core.seccomp;

/**
 * The seccomp return actions: the one place where their values live (linux/seccomp.h, SECCOMP_RET_*). A filter's
 * 32-bit return value is an action in the high 16 bits (plus the sign bit for KILL_PROCESS) and data in the low 16.
 */
public enum SeccompAction {
    KILL_PROCESS(0x80000000),
    KILL_THREAD(0x00000000),
    TRAP(0x00030000),
    ERRNO(0x00050000),
    USER_NOTIF(0x7fc00000),
    TRACE(0x7ff00000),
    LOG(0x7ffc0000),
    ALLOW(0x7fff0000);

    /** SECCOMP_RET_ACTION_FULL. */
    public static final int ACTION_FULL_MASK = 0xffff0000;
    /** SECCOMP_RET_DATA. */
    public static final int DATA_MASK = 0x0000ffff;
    /** The kernel caps ERRNO data at MAX_ERRNO. */
    public static final int MAX_ERRNO = 4095;

    public final int value;

    SeccompAction(int value) {
        this.value = value;
    }

    /** The return value for this action with data in the low 16 bits. */
    public int encode(int data) {
        if ((data & ~DATA_MASK) != 0) {
            throw new IllegalArgumentException(name() + " data " + data + " does not fit in 16 bits");
        }
        return value | data;
    }

    /**
     * The action the kernel takes for a return value. Unknown action values are treated as KILL_PROCESS, as
     * kernel/seccomp.c does.
     */
    public static SeccompAction of(int ret) {
        int action = ret & ACTION_FULL_MASK;
        for (SeccompAction a : values()) {
            if (a.value == action) {
                return a;
            }
        }
        return KILL_PROCESS;
    }

    public static boolean isKnownAction(int ret) {
        int action = ret & ACTION_FULL_MASK;
        for (SeccompAction a : values()) {
            if (a.value == action) {
                return true;
            }
        }
        return false;
    }

    /**
     * Text for a return value in libseccomp's spelling: ALLOW, KILL, KILL_PROCESS, TRAP, LOG, NOTIFY,
     * ERRNO(n), TRACE(n). Data is shown for ERRNO and TRACE only, as libseccomp's simulator prints it.
     */
    public static String format(int ret) {
        int data = ret & DATA_MASK;
        return switch (of(ret)) {
            case KILL_PROCESS ->
                isKnownAction(ret) ? "KILL_PROCESS" : String.format("KILL_PROCESS(unknown action 0x%08x)", ret);
            case KILL_THREAD -> "KILL";
            case TRAP -> "TRAP";
            case ERRNO -> "ERRNO(" + data + ")";
            case USER_NOTIF -> "NOTIFY";
            case TRACE -> "TRACE(" + data + ")";
            case LOG -> "LOG";
            case ALLOW -> "ALLOW";
        };
    }
}
