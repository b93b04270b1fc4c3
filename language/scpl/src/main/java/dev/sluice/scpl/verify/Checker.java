package dev.sluice.scpl.verify;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.seccomp.Arch;
import dev.sluice.core.seccomp.SeccompAction;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.parse.Ast;
import dev.sluice.scpl.parse.Ast.Pos;
import dev.sluice.scpl.parse.Diagnostics;
import dev.sluice.scpl.parse.Parser;
import dev.sluice.scpl.policy.Action;
import dev.sluice.scpl.policy.Cond;
import dev.sluice.scpl.policy.Policy;
import dev.sluice.scpl.policy.Policy.IncludeResolver;
import dev.sluice.scpl.policy.Rule;
import dev.sluice.scpl.syscalls.Constants;
import dev.sluice.scpl.syscalls.Errno;
import dev.sluice.scpl.syscalls.SyscallTable;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Resolves names (includes, constants, groups, condition macros, syscalls per arch, errno names) and applies the
 * semantic checks: unknown names are errors with suggestions, a rule that an earlier rule fully shadows is an error,
 * a partly shadowed rule and a rule whose action equals the default are warnings.
 */
public final class Checker {
    private final IncludeResolver resolver;
    private final Map<String, String> texts = new HashMap<>();
    private final Map<String, Ast.ConstDecl> consts = new LinkedHashMap<>();
    private final Map<String, Ast.GroupDecl> groups = new LinkedHashMap<>();
    private final Map<String, Ast.CondDecl> conds = new LinkedHashMap<>();
    private final Map<String, Long> constValues = new HashMap<>();
    private final Map<String, Cond> condValues = new HashMap<>();
    private final Deque<String> resolving = new ArrayDeque<>();
    private final List<String> warnings = new ArrayList<>();
    private List<Arch> arches;

    private Checker(IncludeResolver resolver) {
        this.resolver = resolver;
    }

    /** Parses and checks a policy for x86_64 whose includes are files. */
    public static Policy check(String sourceName, String text) {
        return check(sourceName, text, List.of(Arch.X86_64), IncludeResolver.FILES);
    }

    public static Policy check(String sourceName, String text, List<Arch> defaultArches, IncludeResolver resolver) {
        return check(sourceName, text, defaultArches, false, resolver);
    }

    /** With {@code override}, {@code arches} replace the policy's own arch list; else they apply when it names none. */
    public static Policy check(
            String sourceName, String text, List<Arch> arches, boolean override, IncludeResolver resolver) {
        Checker c = new Checker(resolver);
        c.overrideArches = override;
        return c.run(sourceName, text, arches);
    }

    private boolean overrideArches;

    private SluiceException error(Pos pos, ScplFailure f, Object... args) {
        return Diagnostics.error(pos, texts.get(pos.file()), f, args);
    }

    private Policy run(String sourceName, String text, List<Arch> defaultArches) {
        texts.put(sourceName, text);
        Ast.ScplFile main = Parser.parse(sourceName, text);
        Deque<String> stack = new ArrayDeque<>();
        stack.push(sourceName);
        collect(main, stack);
        Ast.PolicyBlock block = main.policy();
        if (block == null) {
            throw SluiceException.atPosition(sourceName, 1, 1, ScplFailure.SCPL_NO_POLICY, sourceName, "");
        }
        arches = resolveArches(block, defaultArches);
        Action defaultAction = action(block.defaultAction());
        Action badArch = block.badArchAction() == null
                ? new Action(SeccompAction.KILL_PROCESS, 0)
                : action(block.badArchAction());
        List<Rule> rules = new ArrayList<>();
        for (Ast.RuleAst r : block.rules()) {
            Action a = action(r.action());
            Map<Arch, int[]> numbers = syscalls(r);
            Cond c = r.condition() == null ? null : cond(r.condition());
            Rule rule = new Rule(
                    rules.size(),
                    r.pos().file(),
                    r.pos().line(),
                    r.pos().col(),
                    r.last().line(),
                    r.last().col(),
                    a,
                    numbers,
                    c);
            checkShadowing(rule, rules, r.pos());
            if (a.equals(defaultAction)) {
                warnings.add(Diagnostics.warning(
                        r.pos(),
                        "the rule's action " + a
                                + " equals the default action; the rule has no effect unless a later rule differs"));
            }
            rules.add(rule);
        }
        return new Policy(arches, defaultAction, badArch, rules, warnings);
    }

    // --- includes and declarations ---

    private void collect(Ast.ScplFile file, Deque<String> stack) {
        for (Ast.Decl d : file.decls()) {
            switch (d) {
                case Ast.Include inc -> {
                    IncludeResolver.Included included;
                    try {
                        included = resolver.read(file.name(), inc.path());
                    } catch (IOException | RuntimeException e) {
                        throw error(
                                inc.pos(), ScplFailure.SCPL_INCLUDE_FAILED, inc.path(), String.valueOf(e.getMessage()));
                    }
                    if (stack.contains(included.name())) {
                        List<String> chain = new ArrayList<>(stack);
                        java.util.Collections.reverse(chain);
                        chain.add(included.name());
                        throw error(inc.pos(), ScplFailure.SCPL_INCLUDE_CYCLE, String.join(" -> ", chain));
                    }
                    texts.put(included.name(), included.text());
                    Ast.ScplFile sub = Parser.parse(included.name(), included.text());
                    if (sub.policy() != null) {
                        throw error(sub.policy().pos(), ScplFailure.SCPL_SECOND_POLICY, file.name());
                    }
                    stack.push(included.name());
                    collect(sub, stack);
                    stack.pop();
                }
                case Ast.ConstDecl c -> define(consts, c.name(), c, c.pos());
                case Ast.GroupDecl g -> define(groups, g.name(), g, g.pos());
                case Ast.CondDecl c -> define(conds, c.name(), c, c.pos());
            }
        }
    }

    private <T extends Ast.Decl> void define(Map<String, T> into, String name, T decl, Pos pos) {
        Ast.Decl previous =
                into == groups ? groups.get(name) : consts.containsKey(name) ? consts.get(name) : conds.get(name);
        if (previous != null) {
            throw error(
                    pos,
                    ScplFailure.SCPL_DUPLICATE,
                    (into == groups ? "@" : "") + name,
                    previous.pos().toString());
        }
        into.put(name, decl);
    }

    // --- arches and actions ---

    private List<Arch> resolveArches(Ast.PolicyBlock block, List<Arch> defaults) {
        if (block.arches().isEmpty() || overrideArches) {
            for (Arch a : defaults) {
                if (!SyscallTable.SUPPORTED.contains(a)) {
                    throw error(
                            block.pos(),
                            ScplFailure.SCPL_UNKNOWN_ARCH,
                            a.token(),
                            String.join(
                                    ", ",
                                    SyscallTable.SUPPORTED.stream()
                                            .map(Arch::token)
                                            .toList()));
                }
            }
            return List.copyOf(defaults);
        }
        return archList(block.arches());
    }

    private List<Arch> archList(List<Ast.ArchRef> refs) {
        List<Arch> out = new ArrayList<>();
        for (Ast.ArchRef ref : refs) {
            Arch a;
            try {
                a = Arch.fromToken(ref.name());
            } catch (IllegalArgumentException e) {
                a = null;
            }
            if (a == null || !SyscallTable.SUPPORTED.contains(a)) {
                throw error(
                        ref.pos(),
                        ScplFailure.SCPL_UNKNOWN_ARCH,
                        ref.name(),
                        String.join(
                                ", ",
                                SyscallTable.SUPPORTED.stream().map(Arch::token).toList()));
            }
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    private Action action(Ast.ActionAst a) {
        dev.sluice.scpl.policy.ActionWord word = dev.sluice.scpl.policy.ActionWord.ofKey(a.keyword());
        if (word == null) {
            throw new IllegalStateException(a.keyword()); // the parser admits only action words
        }
        return switch (word.action) {
            case TRAP, TRACE -> new Action(word.action, data(a, 0xffff));
            case ERRNO -> new Action(word.action, errno(a));
            default -> new Action(word.action, 0);
        };
    }

    private int data(Ast.ActionAst a, int max) {
        if (a.data() == null) {
            return 0;
        }
        long v = value(a.data());
        if (v < 0 || v > max) {
            throw error(
                    a.data().pos(),
                    ScplFailure.SCPL_BAD_VALUE,
                    a.keyword() + " data " + v + " is out of range 0.." + max);
        }
        return (int) v;
    }

    private int errno(Ast.ActionAst a) {
        long v;
        if (a.data() instanceof Ast.NameRef n && !consts.containsKey(n.name())) {
            OptionalInt e = Errno.lookup(n.name());
            if (e.isEmpty()) {
                throw error(n.pos(), ScplFailure.SCPL_UNKNOWN_ERRNO, n.name(), suggest(Errno.suggestions(n.name())));
            }
            v = e.getAsInt();
        } else {
            v = value(a.data());
        }
        if (v < 0 || v > SeccompAction.MAX_ERRNO) {
            throw error(
                    a.data().pos(),
                    ScplFailure.SCPL_BAD_VALUE,
                    "errno " + v + " is out of range 0.." + SeccompAction.MAX_ERRNO + " (the kernel's MAX_ERRNO)");
        }
        return (int) v;
    }

    private static String suggest(List<String> names) {
        return names.isEmpty() ? "" : "; did you mean " + String.join(", ", names) + "?";
    }

    // --- values and conditions ---

    private long value(Ast.Value v) {
        return switch (v) {
            case Ast.Literal l -> l.value();
            case Ast.BitOr o -> value(o.left()) | value(o.right());
            case Ast.Negate n -> -value(n.operand());
            case Ast.Complement c -> ~value(c.operand());
            case Ast.NameRef n -> named(n);
        };
    }

    private long named(Ast.NameRef n) {
        Long known = constValues.get(n.name());
        if (known != null) {
            return known;
        }
        Ast.ConstDecl decl = consts.get(n.name());
        if (decl != null) {
            if (resolving.contains("const " + n.name())) {
                throw error(
                        n.pos(),
                        ScplFailure.SCPL_DEFINITION_CYCLE,
                        "constant",
                        n.name(),
                        String.join(" <- ", resolving));
            }
            resolving.push("const " + n.name());
            long v = value(decl.value());
            resolving.pop();
            constValues.put(n.name(), v);
            return v;
        }
        OptionalLong header = Constants.lookup(n.name());
        if (header.isPresent()) {
            return header.getAsLong();
        }
        List<String> near = new ArrayList<>(Constants.suggestions(n.name()));
        near.addAll(dev.sluice.scpl.syscalls.Suggestions.nearest(n.name(), consts.keySet()));
        throw error(
                n.pos(),
                ScplFailure.SCPL_UNKNOWN_NAME,
                "constant",
                n.name(),
                suggest(near.stream().distinct().limit(5).toList()));
    }

    private Cond cond(Ast.Cond c) {
        return switch (c) {
            case Ast.BoolLit b -> new Cond.Const(b.value());
            case Ast.And a -> new Cond.And(cond(a.left()), cond(a.right()));
            case Ast.Or o -> new Cond.Or(cond(o.left()), cond(o.right()));
            case Ast.Not n -> new Cond.Not(cond(n.operand()));
            case Ast.Compare cmp -> compare(cmp);
            case Ast.CondRef ref -> condRef(ref);
        };
    }

    private Cond compare(Ast.Compare cmp) {
        long mask = cmp.mask() == null ? -1L : value(cmp.mask());
        long v = value(cmp.value());
        if (cmp.low32()) {
            mask = fit32(cmp.mask() == null ? cmp.pos() : cmp.mask().pos(), mask, "mask");
            v = fit32(cmp.value().pos(), v, "value");
        }
        return new Cond.Compare(cmp.arg(), cmp.low32(), mask, Cond.Op.of(cmp.op()), v);
    }

    private long fit32(Pos pos, long v, String what) {
        if (v >>> 32 == 0 || v >> 31 == -1) {
            return v & 0xffffffffL;
        }
        throw error(
                pos,
                ScplFailure.SCPL_BAD_VALUE,
                String.format("%s 0x%x does not fit in 32 bits (low32 compares the low 32 bits only)", what, v));
    }

    private Cond condRef(Ast.CondRef ref) {
        Cond known = condValues.get(ref.name());
        if (known != null) {
            return known;
        }
        Ast.CondDecl decl = conds.get(ref.name());
        if (decl == null) {
            throw error(
                    ref.pos(),
                    ScplFailure.SCPL_UNKNOWN_NAME,
                    "condition",
                    ref.name(),
                    suggest(dev.sluice.scpl.syscalls.Suggestions.nearest(ref.name(), conds.keySet())));
        }
        if (resolving.contains("cond " + ref.name())) {
            throw error(
                    ref.pos(),
                    ScplFailure.SCPL_DEFINITION_CYCLE,
                    "condition",
                    ref.name(),
                    String.join(" <- ", resolving));
        }
        resolving.push("cond " + ref.name());
        Cond c = cond(decl.cond());
        resolving.pop();
        condValues.put(ref.name(), c);
        return c;
    }

    // --- syscalls ---

    private Map<Arch, int[]> syscalls(Ast.RuleAst r) {
        Map<Arch, TreeSet<Integer>> sets = new EnumMap<>(Arch.class);
        for (Arch a : arches) {
            sets.put(a, new TreeSet<>());
        }
        expand(r.syscalls(), sets, new HashSet<>(), null);
        Map<Arch, int[]> out = new EnumMap<>(Arch.class);
        sets.forEach((a, s) -> out.put(a, s.stream().mapToInt(Integer::intValue).toArray()));
        return out;
    }

    /**
     * Adds the numbers {@code items} name to {@code into}. {@code scope} is null outside arch-conditional groups; inside
     * one it is the arches of its {@code on} list (intersected when nested): each name must exist on every one of them,
     * and counts only on the targets among them. Outside, a name must exist on some target (a warning names the
     * targets that lack it).
     */
    private void expand(
            List<Ast.SyscallItem> items, Map<Arch, TreeSet<Integer>> into, Set<String> groupStack, Set<Arch> scope) {
        List<Arch> active =
                scope == null ? arches : arches.stream().filter(scope::contains).toList();
        for (Ast.SyscallItem item : items) {
            switch (item) {
                case Ast.SyscallNumber n -> {
                    if (n.number() < 0 || n.number() > 0xffffffffL) {
                        throw error(
                                n.pos(),
                                ScplFailure.SCPL_BAD_VALUE,
                                "syscall number " + n.number() + " does not fit in 32 bits");
                    }
                    active.forEach(a -> into.get(a).add((int) n.number()));
                }
                case Ast.SyscallName n
                when scope != null -> {
                    List<Arch> lacking = scope.stream()
                            .filter(a ->
                                    SyscallTable.forArch(a).number(n.name()).isEmpty())
                            .toList();
                    if (!lacking.isEmpty()) {
                        List<String> near = new ArrayList<>();
                        lacking.forEach(a -> near.addAll(SyscallTable.forArch(a).suggestions(n.name())));
                        throw error(
                                n.pos(),
                                ScplFailure.SCPL_UNKNOWN_SYSCALL,
                                n.name(),
                                String.join(
                                                ", ",
                                                lacking.stream()
                                                        .map(Arch::token)
                                                        .toList()) + " (the group is declared on "
                                        + String.join(
                                                ", ",
                                                scope.stream().map(Arch::token).toList()) + ")",
                                suggest(near.stream().distinct().limit(5).toList()));
                    }
                    active.forEach(a -> into.get(a)
                            .add(SyscallTable.forArch(a).number(n.name()).getAsInt()));
                }
                case Ast.SyscallName n -> {
                    List<String> missing = new ArrayList<>();
                    for (Arch a : arches) {
                        OptionalInt nr = SyscallTable.forArch(a).number(n.name());
                        if (nr.isPresent()) {
                            into.get(a).add(nr.getAsInt());
                        } else {
                            missing.add(a.token());
                        }
                    }
                    if (missing.size() == arches.size()) {
                        List<String> near = new ArrayList<>();
                        for (Arch a : arches) {
                            near.addAll(SyscallTable.forArch(a).suggestions(n.name()));
                        }
                        throw error(
                                n.pos(),
                                ScplFailure.SCPL_UNKNOWN_SYSCALL,
                                n.name(),
                                String.join(", ", missing),
                                suggest(near.stream().distinct().limit(5).toList()));
                    }
                    if (!missing.isEmpty()) {
                        warnings.add(Diagnostics.warning(
                                n.pos(),
                                "syscall '" + n.name() + "' does not exist on " + String.join(", ", missing)
                                        + "; the rule does not name it there"));
                    }
                }
                case Ast.GroupRef g -> {
                    Ast.GroupDecl decl = groups.get(g.name());
                    if (decl == null) {
                        throw error(
                                g.pos(),
                                ScplFailure.SCPL_UNKNOWN_NAME,
                                "group",
                                "@" + g.name(),
                                suggest(dev.sluice.scpl.syscalls.Suggestions.nearest(g.name(), groups.keySet()).stream()
                                        .map(s -> "@" + s)
                                        .toList()));
                    }
                    if (!groupStack.add(g.name())) {
                        throw error(
                                g.pos(),
                                ScplFailure.SCPL_DEFINITION_CYCLE,
                                "group",
                                "@" + g.name(),
                                String.join(" <- ", groupStack));
                    }
                    Set<Arch> inner = scope;
                    if (decl.archConditional()) {
                        inner = new LinkedHashSet<>(archList(decl.onArches()));
                        if (scope != null) {
                            inner.retainAll(scope);
                        }
                    }
                    expand(decl.items(), into, groupStack, inner);
                    groupStack.remove(g.name());
                }
            }
        }
    }

    // --- shadowing ---

    /**
     * A rule is shadowed where an earlier rule names the same syscall with no condition, or with the same condition.
     * All of it shadowed: an error (the rule is dead code); part of it: a warning.
     */
    private final Map<Arch, Map<Integer, List<Rule>>> earlierByNr = new EnumMap<>(Arch.class);

    private void checkShadowing(Rule rule, List<Rule> earlier, Pos pos) {
        int total = 0;
        int shadowed = 0;
        Rule firstShadow = null;
        List<String> names = new ArrayList<>();
        for (Arch a : arches) {
            Map<Integer, List<Rule>> byNr = earlierByNr.computeIfAbsent(a, k -> new HashMap<>());
            for (int nr : rule.numbers().get(a)) {
                total++;
                for (Rule e : byNr.getOrDefault(nr, List.of())) {
                    if (e.condition() == null || e.condition().equals(rule.condition())) {
                        shadowed++;
                        if (firstShadow == null || e.index() < firstShadow.index()) {
                            firstShadow = e;
                        }
                        String n = SyscallTable.forArch(a).name(nr).orElse(Integer.toString(nr));
                        if (!names.contains(n) && names.size() < 5) {
                            names.add(n);
                        }
                        break;
                    }
                }
                byNr.computeIfAbsent(nr, k -> new ArrayList<>()).add(rule);
            }
        }
        if (shadowed == 0) {
            return;
        }
        String list = names.size() > 4 ? String.join(", ", names.subList(0, 4)) + ", ..." : String.join(", ", names);
        if (shadowed == total) {
            throw error(
                    pos, ScplFailure.SCPL_SHADOWED_RULE, list, names.size() == 1 ? "is" : "are", firstShadow.where());
        }
        warnings.add(Diagnostics.warning(
                pos,
                list + (names.size() == 1 ? " is" : " are") + " already decided by the earlier rule at "
                        + firstShadow.where()));
    }
}
