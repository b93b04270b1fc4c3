package dev.sluice.tests.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of the modules and of the packages inside each module, read from the compiled classes (ArchUnit's class
 * file importer; every kind of reference counts: imports, fully qualified names, annotations, generated DSL code).
 * <ul>
 * <li>No package cycles inside any module: each failure names the cycle and one class reference per edge.</li>
 * <li>Modules: core depends on no language; bpf not on scpl or the launcher; scpl not on the launcher; ebpf and
 * inetdiag only on core.</li>
 * </ul>
 */
class PackageCyclesTest {
    private static final List<String> MODULES = List.of(
            "dev.sluice.core",
            "dev.sluice.bpf",
            "dev.sluice.scpl",
            "dev.sluice.ebpf",
            "dev.sluice.inetdiag",
            "dev.sluice.launcher");

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(MODULES.toArray(String[]::new));
        for (String module : MODULES) {
            assertTrue(
                    classes.stream().anyMatch(c -> moduleOf(c.getPackageName()).equals(module)),
                    "no classes found for " + module);
        }
    }

    /** The module a package belongs to, by prefix ("" outside Sluice). */
    static String moduleOf(String pkg) {
        for (String m : MODULES) {
            if (pkg.equals(m) || pkg.startsWith(m + ".")) {
                return m;
            }
        }
        return "";
    }

    /** Package -> package it uses -> one class reference as evidence, inside one module (or across modules). */
    static Map<String, Map<String, String>> packageGraph(boolean acrossModules) {
        Map<String, Map<String, String>> graph = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = c.getPackageName();
            String fromModule = moduleOf(from);
            graph.computeIfAbsent(acrossModules ? fromModule : from, k -> new TreeMap<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = d.getTargetClass().getBaseComponentType().getPackageName();
                String toModule = moduleOf(to);
                if (toModule.isEmpty()) {
                    continue;
                }
                if (acrossModules) {
                    if (!toModule.equals(fromModule)) {
                        graph.get(fromModule).putIfAbsent(toModule, d.getDescription());
                    }
                } else if (toModule.equals(fromModule) && !to.equals(from)) {
                    graph.get(from).putIfAbsent(to, d.getDescription());
                }
            }
        }
        return graph;
    }

    @Test
    void noPackageCyclesInsideAnyModule() {
        Map<String, Map<String, String>> graph = packageGraph(false);
        List<List<String>> cycles =
                stronglyConnected(graph).stream().filter(s -> s.size() > 1).toList();
        StringBuilder report = new StringBuilder();
        for (List<String> cycle : cycles) {
            report.append("\npackages in a cycle: ").append(cycle);
            Set<String> members = new TreeSet<>(cycle);
            for (String from : cycle) {
                graph.get(from).forEach((to, evidence) -> {
                    if (members.contains(to)) {
                        report.append("\n  ")
                                .append(from)
                                .append(" -> ")
                                .append(to)
                                .append(": ")
                                .append(evidence);
                    }
                });
            }
        }
        assertTrue(cycles.isEmpty(), report::toString);
    }

    @Test
    void modulesDependOnlyDownwards() {
        Map<String, Map<String, String>> graph = packageGraph(true);
        Map<String, Set<String>> allowed = Map.of(
                "dev.sluice.core", Set.of(),
                "dev.sluice.bpf", Set.of("dev.sluice.core"),
                "dev.sluice.scpl", Set.of("dev.sluice.core", "dev.sluice.bpf"),
                "dev.sluice.ebpf", Set.of("dev.sluice.core"),
                "dev.sluice.inetdiag", Set.of("dev.sluice.core"),
                "dev.sluice.launcher",
                        Set.of(
                                "dev.sluice.core",
                                "dev.sluice.bpf",
                                "dev.sluice.scpl",
                                "dev.sluice.ebpf",
                                "dev.sluice.inetdiag"));
        List<String> wrong = new ArrayList<>();
        graph.forEach((from, uses) -> uses.forEach((to, evidence) -> {
            if (!allowed.getOrDefault(from, Set.of()).contains(to)) {
                wrong.add(from + " -> " + to + ": " + evidence);
            }
        }));
        assertEquals(List.of(), wrong);
    }

    @Test
    void theCycleSearchFindsCycles() {
        Map<String, Map<String, String>> graph = Map.of(
                "a", Map.of("b", "a uses b"),
                "b", Map.of("c", "b uses c"),
                "c", Map.of("a", "c uses a", "d", "c uses d"),
                "d", Map.of());
        List<List<String>> components = stronglyConnected(graph);
        assertEquals(
                List.of(List.of("a", "b", "c")),
                components.stream()
                        .filter(s -> s.size() > 1)
                        .map(s -> s.stream().sorted().toList())
                        .toList());
    }

    /** Tarjan's strongly connected components; each component with more than one package is a cycle. */
    static List<List<String>> stronglyConnected(Map<String, Map<String, String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, onStack, out, counter);
            }
        }
        return out;
    }

    private static void connect(
            String v,
            Map<String, Map<String, String>> graph,
            Map<String, Integer> index,
            Map<String, Integer> low,
            Deque<String> stack,
            Set<String> onStack,
            List<List<String>> out,
            int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Map.of()).keySet()) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, onStack, out, counter);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (onStack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> component = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            } while (!w.equals(v));
            out.add(component);
        }
    }
}
