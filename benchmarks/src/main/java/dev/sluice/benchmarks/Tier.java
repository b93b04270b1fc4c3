package dev.sluice.benchmarks;

import org.graalvm.polyglot.Context;

/**
 * How the engine runs guest code. Each benchmark takes the tier as a JMH parameter, so a run shows what compilation
 * buys. A new engine configuration to compare (for instance the guards on and off) is a new constant here plus its
 * name in the benchmarks' {@code @Param} lists.
 */
public enum Tier {
    /** The default: Truffle's multi-tier compilation with Graal. */
    COMPILED("compiled") {
        @Override
        void configure(Context.Builder b) {}
    },
    /**
     * Compiled, with constant blinding off (bpf.ConstantBlinding=off, as for a trusted signed program): the same run
     * then shows what blinding, on by default for unsigned programs, costs.
     */
    UNBLINDED("unblinded") {
        @Override
        void configure(Context.Builder b) {
            b.option("bpf.ConstantBlinding", "off");
        }
    },
    /** engine.Compilation=false: the AST interpreter alone, as on a JVM without the Graal compiler. */
    INTERPRETER("interpreter") {
        @Override
        void configure(Context.Builder b) {
            b.option("engine.Compilation", "false");
        }
    };

    final String id;

    Tier(String id) {
        this.id = id;
    }

    abstract void configure(Context.Builder b);

    /** Whether Graal compiles guest code in this tier. */
    boolean compiles() {
        return this != INTERPRETER;
    }

    static Tier of(String id) {
        for (Tier t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tier " + id);
    }
}
