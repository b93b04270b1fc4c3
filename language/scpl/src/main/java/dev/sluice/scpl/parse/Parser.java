package dev.sluice.scpl.parse;

import dev.sluice.core.error.SluiceException;
import dev.sluice.core.error.Words;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.parse.Ast.*;
import dev.sluice.scpl.parse.Lexer.Kind;
import dev.sluice.scpl.parse.Lexer.Token;
import dev.sluice.scpl.policy.ActionWord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser for SCPL (grammar in docs/scpl.md). */
public final class Parser {
    /** Action keywords, compared case-insensitively. */
    /** The action words' keys (lower case, no underscores), from {@link ActionWord}. */
    public static final Set<String> ACTIONS = ActionWord.KEYS;

    private final String file;
    private final String text;
    private final List<Token> tokens;
    private int p;
    /** Nesting depth of conditions and values; bounded so hostile input cannot overflow the stack. */
    private int depth;

    static final int MAX_DEPTH = 200;

    private Parser(String file, String text) {
        this.file = file;
        this.text = text;
        this.tokens = Lexer.tokenize(file, text);
    }

    public static ScplFile parse(String file, String text) {
        return new Parser(file, text).file();
    }

    private Token peek() {
        return tokens.get(p);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(p + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(p);
        if (t.kind() != Kind.EOF) {
            p++;
        }
        return t;
    }

    /** The token consumed last. */
    private Token previous() {
        return tokens.get(p - 1);
    }

    private boolean accept(String punct) {
        if (peek().kind() == Kind.PUNCT && peek().text().equals(punct)) {
            p++;
            return true;
        }
        return false;
    }

    private Token expect(String punct, String what) {
        Token t = peek();
        if (t.kind() == Kind.PUNCT && t.text().equals(punct)) {
            return next();
        }
        throw error(t, "expected '" + punct + "' " + what + ", found " + t.describe());
    }

    private boolean isKeyword(Token t, String word) {
        return t.kind() == Kind.IDENT && t.text().equals(word);
    }

    private SluiceException error(Token at, String message) {
        return Diagnostics.error(at.pos(), text, ScplFailure.SCPL_SYNTAX, message);
    }

    private ScplFile file() {
        List<Decl> decls = new ArrayList<>();
        PolicyBlock policy = null;
        while (peek().kind() != Kind.EOF) {
            Token t = peek();
            if (t.is("{")) {
                if (policy != null) {
                    throw Diagnostics.error(
                            t.pos(),
                            text,
                            ScplFailure.SCPL_SECOND_POLICY,
                            policy.pos().toString());
                }
                policy = policy();
                accept(";");
            } else if (isKeyword(t, "include")) {
                next();
                Token s = next();
                if (s.kind() != Kind.STRING) {
                    throw error(s, "expected a file name in quotes after include, found " + s.describe());
                }
                decls.add(new Include(t.pos(), s.text()));
                accept(";");
            } else if (isKeyword(t, "const")) {
                next();
                Token name = ident("a constant name");
                expect("=", "after the constant name");
                decls.add(new ConstDecl(t.pos(), name.text(), value()));
                expect(";", "after the constant");
            } else if (isKeyword(t, "group")) {
                next();
                Token name = next();
                if (name.kind() != Kind.GROUP) {
                    throw error(name, "expected a group name such as @file-io, found " + name.describe());
                }
                List<ArchRef> on = List.of();
                if (isKeyword(peek(), "on")) {
                    next();
                    on = arches();
                }
                expect(
                        "=",
                        on.isEmpty() ? "after the group name (or 'on' and its arches)" : "after the group's arches");
                decls.add(new GroupDecl(t.pos(), name.text(), on, syscalls()));
                expect(";", "after the group");
            } else if (isKeyword(t, "cond")) {
                next();
                Token name = ident("a condition name");
                expect("=", "after the condition name");
                decls.add(new CondDecl(t.pos(), name.text(), cond()));
                expect(";", "after the condition");
            } else {
                throw error(t, "expected include, const, group, cond or a policy block '{', found " + t.describe());
            }
        }
        return new ScplFile(file, text, decls, policy);
    }

    private Token ident(String what) {
        Token t = next();
        if (t.kind() != Kind.IDENT) {
            throw error(t, "expected " + what + ", found " + t.describe());
        }
        return t;
    }

    private PolicyBlock policy() {
        Token open = expect("{", "to open the policy");
        ActionAst defaultAction = null;
        ActionAst badArch = null;
        List<ArchRef> arches = null;
        List<RuleAst> rules = null;
        while (!peek().is("}")) {
            Token field = ident("a policy field (default_action, bad_arch_action, arch, rules)");
            expect("=", "after " + field.text());
            switch (field.text()) {
                case "default_action", "default" -> defaultAction = once(defaultAction, field, action());
                case "bad_arch_action" -> badArch = once(badArch, field, action());
                case "arch", "arches" -> arches = once(arches, field, arches());
                case "rules" -> rules = once(rules, field, rules());
                default ->
                    throw error(
                            field,
                            "unknown policy field '" + Words.clip(field.text())
                                    + "' (expected default_action, bad_arch_action, arch or rules)");
            }
            if (!accept(";")) {
                break;
            }
        }
        expect("}", "to close the policy");
        if (defaultAction == null) {
            throw error(open, "the policy has no default_action");
        }
        return new PolicyBlock(
                open.pos(),
                defaultAction,
                badArch,
                arches == null ? List.of() : arches,
                rules == null ? List.of() : rules);
    }

    private <T> T once(T previous, Token field, T value) {
        if (previous != null) {
            throw error(field, "field '" + Words.clip(field.text()) + "' is given twice");
        }
        return value;
    }

    private List<ArchRef> arches() {
        List<ArchRef> out = new ArrayList<>();
        if (accept("[")) {
            while (!peek().is("]")) {
                Token a = ident("an arch name");
                out.add(new ArchRef(a.pos(), a.text()));
                if (!accept(",")) {
                    break;
                }
            }
            expect("]", "to close the arch list");
        } else {
            Token a = ident("an arch name");
            out.add(new ArchRef(a.pos(), a.text()));
        }
        return out;
    }

    private List<RuleAst> rules() {
        expect("[", "to open the rule list");
        List<RuleAst> out = new ArrayList<>();
        while (!peek().is("]")) {
            out.add(peek().is("{") ? ruleRecord() : ruleShort());
            if (!accept(";") && !accept(",")) {
                break;
            }
        }
        expect("]", "to close the rule list");
        return out;
    }

    private RuleAst ruleRecord() {
        Token open = expect("{", "to open a rule");
        ActionAst action = null;
        List<SyscallItem> syscalls = null;
        Cond cond = null;
        while (!peek().is("}")) {
            Token field = ident("a rule field (action, syscall, when)");
            expect("=", "after " + field.text());
            switch (field.text()) {
                case "action" -> action = once(action, field, action());
                case "syscall", "syscalls" -> syscalls = once(syscalls, field, syscalls());
                case "when", "args", "if" -> cond = once(cond, field, cond());
                default ->
                    throw error(
                            field,
                            "unknown rule field '" + Words.clip(field.text()) + "' (expected action, syscall or when)");
            }
            if (!accept(";")) {
                break;
            }
        }
        expect("}", "to close the rule");
        if (action == null) {
            throw error(open, "the rule has no action");
        }
        if (syscalls == null) {
            throw error(open, "the rule has no syscall");
        }
        return new RuleAst(open.pos(), previous().last(), action, syscalls, cond);
    }

    /** {@code Action syscall-or-list [if cond]}. */
    private RuleAst ruleShort() {
        Token start = peek();
        ActionAst action = action();
        List<SyscallItem> syscalls = syscalls();
        Cond cond = null;
        if (isKeyword(peek(), "if") || isKeyword(peek(), "when")) {
            next();
            cond = cond();
        }
        return new RuleAst(start.pos(), previous().last(), action, syscalls, cond);
    }

    private ActionAst action() {
        Token t = ident("an action ("
                + String.join(
                        ", ",
                        java.util.Arrays.stream(ActionWord.values())
                                .map(w -> w.spelling)
                                .toList()) + ")");
        String k = ActionWord.key(t.text());
        if (!ACTIONS.contains(k)) {
            throw error(t, "unknown action '" + Words.clip(t.text()) + "' (expected " + ActionWord.list() + ")");
        }
        Value data = null;
        switch (k) {
            case "errno" -> {
                Token n = peek();
                if (n.kind() == Kind.NUMBER || n.kind() == Kind.IDENT) {
                    next();
                    data = n.kind() == Kind.NUMBER ? new Literal(n.pos(), n.number()) : new NameRef(n.pos(), n.text());
                } else if (n.is("(")) {
                    data = valueTerm();
                } else {
                    throw error(n, "Errno needs an errno number or name (Errno EPERM), found " + n.describe());
                }
            }
            case "trap", "trace" -> {
                if (peek().kind() == Kind.NUMBER) {
                    Token n = next();
                    data = new Literal(n.pos(), n.number());
                } else if (peek().is("(")) {
                    data = valueTerm();
                }
            }
            default -> {}
        }
        return new ActionAst(t.pos(), k, data);
    }

    private List<SyscallItem> syscalls() {
        List<SyscallItem> out = new ArrayList<>();
        if (accept("[")) {
            while (!peek().is("]")) {
                out.add(syscallItem());
                if (!accept(",")) {
                    break;
                }
            }
            expect("]", "to close the syscall list");
        } else {
            out.add(syscallItem());
            // the short rule form allows "Allow read, write if ..."
            while (peek().is(",") && startsSyscallItem(peek(1))) {
                next();
                out.add(syscallItem());
            }
        }
        return out;
    }

    private static boolean startsSyscallItem(Token t) {
        // An action keyword written capitalised (Kill) starts the next rule; lowercase kill is the syscall.
        return t.kind() == Kind.NUMBER
                || t.kind() == Kind.GROUP
                || t.kind() == Kind.IDENT
                        && !(ACTIONS.contains(ActionWord.key(t.text()))
                                && Character.isUpperCase(t.text().charAt(0)));
    }

    private SyscallItem syscallItem() {
        Token t = next();
        return switch (t.kind()) {
            case IDENT -> new SyscallName(t.pos(), t.text());
            case NUMBER -> new SyscallNumber(t.pos(), t.number());
            case GROUP -> new GroupRef(t.pos(), t.text());
            default -> throw error(t, "expected a syscall name, number or @group, found " + t.describe());
        };
    }

    // --- conditions ---

    private Cond cond() {
        Cond left = andCond();
        int terms = 1;
        while (peek().is("||")) {
            Token op = next();
            limitTerms(op, ++terms);
            left = new Or(op.pos(), left, andCond());
        }
        return left;
    }

    private Cond andCond() {
        Cond left = unaryCond();
        int terms = 1;
        while (peek().is("&&")) {
            Token op = next();
            limitTerms(op, ++terms);
            left = new And(op.pos(), left, unaryCond());
        }
        return left;
    }

    private Cond unaryCond() {
        Token t = peek();
        enter(t);
        try {
            return unaryCondInner(t);
        } finally {
            depth--;
        }
    }

    static final int MAX_TERMS = 1000;

    private void limitTerms(Token t, int terms) {
        if (terms > MAX_TERMS) {
            throw error(
                    t,
                    "condition has more than " + MAX_TERMS
                            + " terms joined by one operator (a filter has at most 4096 instructions)");
        }
    }

    private void enter(Token t) {
        if (++depth > MAX_DEPTH) {
            throw error(t, "expression nested more than " + MAX_DEPTH + " levels deep");
        }
    }

    private Cond unaryCondInner(Token t) {
        if (t.is("!")) {
            next();
            return new Not(t.pos(), unaryCond());
        }
        if (t.is("(")) {
            next();
            Cond c = cond();
            expect(")", "to close the parenthesised condition");
            return c;
        }
        if (t.kind() != Kind.IDENT) {
            throw error(
                    t,
                    "expected a condition (argN op value, low32(argN) op value, a cond name, true or false), found "
                            + t.describe());
        }
        if (t.text().equals("true") || t.text().equals("false")) {
            next();
            return new BoolLit(t.pos(), t.text().equals("true"));
        }
        boolean low32 = false;
        int arg;
        if (t.text().equals("low32") && peek(1).is("(")) {
            next();
            next();
            arg = argIndex(next());
            expect(")", "after low32(argN");
            low32 = true;
        } else if (t.text().matches("arg[0-9]+")) {
            arg = argIndex(next());
        } else {
            next();
            return new CondRef(t.pos(), t.text());
        }
        Value mask = null;
        if (accept("&")) {
            mask = value();
        }
        Token op = next();
        if (!Set.of("==", "!=", "<", "<=", ">", ">=").contains(op.text()) || op.kind() != Kind.PUNCT) {
            throw error(op, "expected a comparison (== != < <= > >=) after arg" + arg + ", found " + op.describe());
        }
        return new Compare(t.pos(), arg, low32, mask, op.text(), value());
    }

    private int argIndex(Token t) {
        if (t.kind() == Kind.IDENT && t.text().matches("arg[0-5]")) {
            return t.text().charAt(3) - '0';
        }
        throw error(t, "expected arg0 .. arg5 (a syscall has six arguments), found " + t.describe());
    }

    // --- values ---

    private Value value() {
        Value left = valueTerm();
        int terms = 1;
        while (peek().is("|")) {
            Token op = next();
            limitTerms(op, ++terms);
            left = new BitOr(op.pos(), left, valueTerm());
        }
        return left;
    }

    private Value valueTerm() {
        enter(peek());
        try {
            return valueTermInner();
        } finally {
            depth--;
        }
    }

    private Value valueTermInner() {
        Token t = next();
        return switch (t.kind()) {
            case NUMBER -> new Literal(t.pos(), t.number());
            case IDENT -> new NameRef(t.pos(), t.text());
            case PUNCT ->
                switch (t.text()) {
                    case "-" -> new Negate(t.pos(), valueTerm());
                    case "~" -> new Complement(t.pos(), valueTerm());
                    case "(" -> {
                        Value v = value();
                        expect(")", "to close the parenthesised value");
                        yield v;
                    }
                    default -> throw error(t, "expected a number or a constant name, found " + t.describe());
                };
            default -> throw error(t, "expected a number or a constant name, found " + t.describe());
        };
    }
}
