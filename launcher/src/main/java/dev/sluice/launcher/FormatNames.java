package dev.sluice.launcher;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.OutputFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The format names the command line offers, read from the bpf language's enums (the one place they are spelled): an
 * option whose completion candidates are one of these lists shows them in its help ({@code ${COMPLETION-CANDIDATES}})
 * and, after {@link #label}, as its parameter label ({@code --output-format=raw|asm|ddd|dd|c}, as the other options
 * spell theirs); the completion script offers them.
 */
final class FormatNames {
    private FormatNames() {}

    /**
     * Labels every option of {@code commandLine} and its subcommands whose candidates are format names with those
     * names joined by {@code |} (an annotation can only hold a constant, so the label is set here, from the enums).
     */
    static void label(CommandLine commandLine) {
        CommandSpec spec = commandLine.getCommandSpec();
        for (OptionSpec option : List.copyOf(spec.options())) {
            Iterable<String> candidates = option.completionCandidates();
            if (candidates instanceof Input || candidates instanceof Written || candidates instanceof Text) {
                List<String> names = new ArrayList<>();
                candidates.forEach(names::add);
                spec.remove(option);
                spec.addOption(
                        option.toBuilder().paramLabel(String.join("|", names)).build());
            }
        }
        for (CommandLine sub : commandLine.getSubcommands().values()) {
            label(sub);
        }
    }

    /** What {@code --input-format} takes: every {@link InputFormat}. */
    static final class Input implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Stream.of(InputFormat.values()).map(InputFormat::id).iterator();
        }
    }

    /** What {@code asm} and {@code compile} write: every {@link OutputFormat} but the listing, which is for display. */
    static final class Written implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return writable().iterator();
        }
    }

    /** What {@code disasm} prints: the text formats of {@link OutputFormat}. */
    static final class Text implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Stream.of(OutputFormat.values())
                    .filter(OutputFormat::isText)
                    .map(OutputFormat::id)
                    .iterator();
        }
    }

    static List<String> writable() {
        return Stream.of(OutputFormat.values())
                .filter(f -> f != OutputFormat.LISTING)
                .map(OutputFormat::id)
                .toList();
    }
}
