package dev.sluice.scpl.parse;

import java.util.List;

/** The SCPL syntax tree as parsed, before names are resolved. Every node carries its source position. */
public final class Ast {
    private Ast() {}

    /** A 1-based source position. */
    public record Pos(String file, int line, int col) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + col;
        }
    }

    /** One parsed file: its declarations in order and at most one policy block. */
    public record ScplFile(String name, String text, List<Decl> decls, PolicyBlock policy) {}

    public sealed interface Decl permits Include, ConstDecl, GroupDecl, CondDecl {
        Pos pos();
    }

    public record Include(Pos pos, String path) implements Decl {}

    public record ConstDecl(Pos pos, String name, Value value) implements Decl {}

    /**
     * {@code group @name [on ARCHES] = syscalls;}. With {@code on}, the group names its syscalls only on those arches
     * (each must exist there) and nothing on the others, as libseccomp and OCI profiles skip names an arch lacks.
     */
    public record GroupDecl(Pos pos, String name, List<ArchRef> onArches, List<SyscallItem> items) implements Decl {
        public boolean archConditional() {
            return !onArches.isEmpty();
        }
    }

    public record CondDecl(Pos pos, String name, Cond cond) implements Decl {}

    /** The policy: null fields were not given. */
    public record PolicyBlock(
            Pos pos, ActionAst defaultAction, ActionAst badArchAction, List<ArchRef> arches, List<RuleAst> rules) {}

    public record ArchRef(Pos pos, String name) {}

    /** A rule from {@code pos} to {@code last}, the position of its last character (the separator after it excluded). */
    public record RuleAst(Pos pos, Pos last, ActionAst action, List<SyscallItem> syscalls, Cond condition) {}

    /** An action keyword with its optional argument (errno, trap or trace data). */
    public record ActionAst(Pos pos, String keyword, Value data) {}

    public sealed interface SyscallItem permits SyscallName, SyscallNumber, GroupRef {
        Pos pos();
    }

    public record SyscallName(Pos pos, String name) implements SyscallItem {}

    public record SyscallNumber(Pos pos, long number) implements SyscallItem {}

    public record GroupRef(Pos pos, String name) implements SyscallItem {}

    /** Integer expressions: literals, names, {@code |}, unary minus and {@code ~}. */
    public sealed interface Value permits Literal, NameRef, BitOr, Negate, Complement {
        Pos pos();
    }

    public record Literal(Pos pos, long value) implements Value {}

    public record NameRef(Pos pos, String name) implements Value {}

    public record BitOr(Pos pos, Value left, Value right) implements Value {}

    public record Negate(Pos pos, Value operand) implements Value {}

    public record Complement(Pos pos, Value operand) implements Value {}

    /** Argument conditions. */
    public sealed interface Cond permits Compare, And, Or, Not, CondRef, BoolLit {
        Pos pos();
    }

    /** {@code [low32(]argN[)] [& mask] op value}; mask is null when absent. */
    public record Compare(Pos pos, int arg, boolean low32, Value mask, String op, Value value) implements Cond {}

    public record And(Pos pos, Cond left, Cond right) implements Cond {}

    public record Or(Pos pos, Cond left, Cond right) implements Cond {}

    public record Not(Pos pos, Cond operand) implements Cond {}

    public record CondRef(Pos pos, String name) implements Cond {}

    public record BoolLit(Pos pos, boolean value) implements Cond {}
}
