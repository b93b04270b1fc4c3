package dev.sluice.launcher;

import java.util.List;
import java.util.Locale;

/**
 * The state part of an ss filter: {@code state NAME} and {@code exclude NAME} words before the expression. As ss
 * does: the first {@code state} starts from no state and adds; an {@code exclude} first starts from all and removes.
 * With neither, every state (what {@code ss -a} lists). Names and groups are ss's (iproute2 ss.c, scan_state), with
 * the kernel's TCP state numbers (include/net/tcp_states.h): ESTABLISHED 1 ... CLOSING 11, NEW_SYN_RECV 12.
 */
record StateFilter(int mask, int wordsUsed) {
    static final int ESTABLISHED = 1,
            SYN_SENT = 2,
            SYN_RECV = 3,
            FIN_WAIT1 = 4,
            FIN_WAIT2 = 5,
            TIME_WAIT = 6,
            CLOSE = 7,
            CLOSE_WAIT = 8,
            LAST_ACK = 9,
            LISTEN = 10,
            CLOSING = 11,
            NEW_SYN_RECV = 12;
    /** ss's SS_ALL: the states below SS_MAX (13), UNKNOWN (0) included. */
    static final int ALL = (1 << 13) - 1;

    /** Reads the leading state words of {@code words}; {@link #wordsUsed} says how many. */
    static StateFilter take(List<String> words) {
        int mask = ALL;
        boolean seen = false;
        int i = 0;
        while (i < words.size()
                && (words.get(i).equals("state")
                        || words.get(i).equals("exclude")
                        || words.get(i).equals("excl"))) {
            boolean exclude = !words.get(i).equals("state");
            if (i + 1 >= words.size()) {
                throw UserError.usage("sluice ss: '" + words.get(i) + "' needs a state name");
            }
            int states = states(words.get(i + 1));
            if (!seen) {
                mask = exclude ? ALL : 0;
                seen = true;
            }
            mask = exclude ? mask & ~states : mask | states;
            i += 2;
        }
        return new StateFilter(mask, i);
    }

    /** Whether a socket in kernel state {@code state} is listed. A SYN_RECV request socket counts as NEW_SYN_RECV too, as in ss. */
    boolean admits(int state) {
        return state >= 0 && state < 32 && (mask & (1 << state)) != 0;
    }

    static int states(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "close", "closed", "unconnected" -> 1 << CLOSE;
            case "syn-rcv", "syn-recv" -> 1 << SYN_RECV;
            case "established" -> 1 << ESTABLISHED;
            case "syn-sent" -> 1 << SYN_SENT;
            case "fin-wait-1" -> 1 << FIN_WAIT1;
            case "fin-wait-2" -> 1 << FIN_WAIT2;
            case "time-wait" -> 1 << TIME_WAIT;
            case "close-wait" -> 1 << CLOSE_WAIT;
            case "last-ack" -> 1 << LAST_ACK;
            case "listening" -> 1 << LISTEN;
            case "closing" -> 1 << CLOSING;
            case "all" -> ALL;
            case "connected" -> ALL & ~(1 << CLOSE | 1 << LISTEN);
            case "synchronized" -> ALL & ~(1 << CLOSE | 1 << LISTEN | 1 << SYN_SENT);
            case "bucket" -> 1 << SYN_RECV | 1 << TIME_WAIT;
            case "big" -> ALL & ~(1 << SYN_RECV | 1 << TIME_WAIT);
            default ->
                throw UserError.usage(
                        "sluice ss: wrong state name: " + name
                                + " (established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, closed, close-wait, last-ack, listening, closing; all, connected, synchronized, bucket, big)");
        };
    }
}
