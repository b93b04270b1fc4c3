package dev.sluice.scpl.nodes;

import com.oracle.truffle.api.TruffleLanguage;
import com.oracle.truffle.api.source.Source;
import com.oracle.truffle.api.source.SourceSection;
import dev.sluice.scpl.policy.Rule;
import java.util.Map;

/**
 * Where a policy is written: the policy's own source and the sources of the files it includes, by the file names its
 * rules carry ({@link Rule#file()}). Instruments and debuggers get each rule's section of its file from here.
 */
public final class RuleSources {
    private final Source policy;
    private final Map<String, Source> byFile;
    private final Class<? extends TruffleLanguage<?>> language;

    /**
     * @param policy the source that was evaluated
     * @param byFile every file a rule can come from (the policy's own name included), by {@link Rule#file()}
     * @param language the language whose scopes a debugger shows
     */
    public RuleSources(Source policy, Map<String, Source> byFile, Class<? extends TruffleLanguage<?>> language) {
        this.policy = policy;
        this.byFile = Map.copyOf(byFile);
        this.language = language;
    }

    public Class<? extends TruffleLanguage<?>> language() {
        return language;
    }

    /** The whole policy source: the section of the policy's root. */
    public SourceSection policy() {
        return policy.createSection(0, policy.getLength());
    }

    /** The rule's text in its file (from its first to its last character), or null if that file is unknown. */
    public SourceSection rule(Rule rule) {
        Source s = byFile.get(rule.file());
        return s == null ? null : s.createSection(rule.line(), rule.column(), rule.endLine(), rule.endColumn());
    }
}
