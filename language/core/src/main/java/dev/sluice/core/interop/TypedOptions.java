package dev.sluice.core.interop;

import java.util.function.Function;
import org.graalvm.options.OptionType;

/** Option types of the languages' typed options, shared so that every language reports a bad value the same way. */
public final class TypedOptions {
    private TypedOptions() {}

    /**
     * An option type Truffle validates with {@code parse} when the context is built; its error names the option, e.g.
     * {@code bpf.Profile: ...}.
     *
     * @param languageId the language's id, the option's prefix
     * @param option the option's name after the prefix
     */
    public static <T> OptionType<T> parsed(String languageId, String option, Function<String, T> parse) {
        return new OptionType<>(option, text -> {
            try {
                return parse.apply(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(languageId + "." + option + ": " + e.getMessage(), e);
            }
        });
    }
}
