package dev.sluice.inetdiag.parse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Service names to ports from /etc/services (tcp entries first, as getservbyname(name, "tcp") finds them). */
final class Services {
    private static volatile Map<String, Integer> table;

    private Services() {}

    static Integer port(String name) {
        Map<String, Integer> t = table;
        if (t == null) {
            t = load(Path.of("/etc/services"));
            table = t;
        }
        return t.get(name);
    }

    static Map<String, Integer> load(Path file) {
        Map<String, Integer> tcp = new HashMap<>();
        Map<String, Integer> other = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int hash = line.indexOf('#');
                String[] f = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                if (f.length < 2 || !f[1].matches("\\d+/\\w+")) {
                    continue;
                }
                int port = Integer.parseInt(f[1].substring(0, f[1].indexOf('/')));
                Map<String, Integer> into = f[1].endsWith("/tcp") ? tcp : other;
                for (int i = 0; i < f.length; i++) {
                    if (i != 1) {
                        into.putIfAbsent(f[i], port);
                    }
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        other.forEach(tcp::putIfAbsent);
        return tcp;
    }
}
