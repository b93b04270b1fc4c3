package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sluice.bpf.formats.InputFormat;
import dev.sluice.bpf.formats.OutputFormat;
import dev.sluice.scpl.policy.ActionWord;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.graalvm.options.OptionDescriptor;
import org.graalvm.polyglot.Engine;
import org.junit.jupiter.api.Test;

/**
 * The format names and SCPL action words have one source, the enums ({@code InputFormat}, {@code OutputFormat},
 * {@code ActionWord}): the command line's help reads them, and the places that must still spell them by hand (the
 * docs' tables and grammar, the README, the bpf and ebpf languages' option annotations) are checked against them here,
 * so they cannot drift.
 */
class FormatNamesTest {
    private static final Set<String> INPUT =
            Stream.of(InputFormat.values()).map(InputFormat::id).collect(Collectors.toCollection(LinkedHashSet::new));
    private static final Set<String> OUTPUT =
            Stream.of(OutputFormat.values()).map(OutputFormat::id).collect(Collectors.toCollection(LinkedHashSet::new));
    private static final Set<String> ACTIONS =
            Stream.of(ActionWord.values()).map(w -> w.spelling).collect(Collectors.toCollection(LinkedHashSet::new));

    private static String read(String file) throws IOException {
        return Files.readString(Sluice.ROOT.resolve(file));
    }

    /** The rows of the first table of {@code text} whose header starts with {@code header}, as cells. */
    private static List<List<String>> table(String text, String header) {
        List<List<String>> rows = new ArrayList<>();
        boolean in = false;
        for (String line : text.split("\n")) {
            if (!in && line.startsWith("| " + header)) {
                in = true;
            } else if (in && line.startsWith("|")) {
                if (!line.startsWith("|--") && !line.startsWith("|---")) {
                    List<String> cells = new ArrayList<>();
                    for (String cell : line.substring(1, line.lastIndexOf('|')).split("(?<!\\\\)\\|")) {
                        cells.add(cell.strip());
                    }
                    rows.add(cells);
                }
            } else if (in) {
                break;
            }
        }
        assertTrue(!rows.isEmpty(), "no table with header " + header);
        return rows;
    }

    private static Set<String> backticked(String cell) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = Pattern.compile("`([A-Za-z]+)").matcher(cell);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theFormatsTableOfDocsFormatsIsTheEnums() throws IOException {
        List<List<String>> rows = table(read("docs/formats.md"), "Format");
        Set<String> all = new LinkedHashSet<>(), readable = new LinkedHashSet<>(), writable = new LinkedHashSet<>();
        for (List<String> row : rows) {
            String name = backticked(row.get(0)).iterator().next();
            all.add(name);
            if (row.get(1).equals("yes")) {
                readable.add(name);
            }
            if (row.get(2).equals("yes")) {
                writable.add(name);
            }
        }
        assertEquals(OUTPUT, all, "docs/formats.md lists the formats of OutputFormat");
        assertEquals(OUTPUT, writable, "docs/formats.md: every OutputFormat is written");
        Set<String> read = new LinkedHashSet<>(INPUT);
        read.remove("auto"); // detection, not a format: the page's "auto" section
        assertEquals(read, readable, "docs/formats.md: the formats read are InputFormat's");
        assertTrue(read("docs/formats.md").contains("With the format `auto`"), "docs/formats.md explains auto");
    }

    @Test
    void theReadmeCompileRowOffersTheWrittenFormats() throws IOException {
        Matcher m = Pattern.compile("`compile POLICY\\.scpl \\[-o OUT\\] \\[--output-format ([a-z\\\\|]+)\\]")
                .matcher(read("README.md"));
        assertTrue(m.find(), "README's compile row");
        Set<String> written = new LinkedHashSet<>(OUTPUT);
        written.remove("listing");
        assertEquals(written, new LinkedHashSet<>(List.of(m.group(1).split("\\\\\\|"))));
    }

    @Test
    void theActionWordsOfDocsScplAreActionWord() throws IOException {
        String scpl = read("docs/scpl.md");
        int from = scpl.indexOf("action      :=");
        int to = scpl.indexOf("syscalls    :=", from);
        assertTrue(from > 0 && to > from, "the action production of docs/scpl.md's grammar");
        Set<String> grammar = new LinkedHashSet<>();
        Matcher quoted = Pattern.compile("\"([A-Z][A-Za-z]+)\"").matcher(scpl.substring(from, to));
        while (quoted.find()) {
            grammar.add(quoted.group(1));
        }
        assertEquals(ACTIONS, grammar, "docs/scpl.md's grammar spells ActionWord's words");

        Set<String> table = new LinkedHashSet<>();
        for (List<String> row : table(scpl, "SCPL | return value")) {
            table.addAll(backticked(row.get(0)));
        }
        assertEquals(ACTIONS, table, "docs/scpl.md's Actions table has one row per ActionWord word");
    }

    @Test
    void theBpfInputFormatOptionNamesInputFormat() {
        try (Engine engine = Engine.newBuilder("bpf").build()) {
            OptionDescriptor d = engine.getLanguages().get("bpf").getOptions().get("bpf.InputFormat");
            assertEquals(String.join("|", INPUT), d.getUsageSyntax());
            for (String id : INPUT) {
                assertTrue(d.getHelp().contains(id), () -> d.getHelp() + " does not name " + id);
            }
        }
    }

    @Test
    void theEbpfInputFormatOptionNamesItsEnum() {
        List<String> ebpf = Stream.of(dev.sluice.ebpf.formats.InputFormat.values())
                .map(dev.sluice.ebpf.formats.InputFormat::id)
                .toList();
        try (Engine engine = Engine.newBuilder("ebpf").build()) {
            OptionDescriptor d = engine.getLanguages().get("ebpf").getOptions().get("ebpf.InputFormat");
            assertEquals(String.join("|", ebpf), d.getUsageSyntax());
            for (String id : ebpf) {
                assertTrue(d.getHelp().contains(id), () -> d.getHelp() + " does not name " + id);
            }
        }
    }

    @Test
    void helpOffersTheEnumsNames() {
        Sluice.Result asm = Sluice.run("asm", "--help");
        assertTrue(asm.stdout().contains("Output format: " + String.join(", ", withoutListing())), asm::toString);
        assertTrue(asm.stdout().contains("Program format: " + String.join(", ", INPUT)), asm::toString);
        Sluice.Result disasm = Sluice.run("disasm", "--help");
        List<String> text = Stream.of(OutputFormat.values())
                .filter(OutputFormat::isText)
                .map(OutputFormat::id)
                .toList();
        assertTrue(disasm.stdout().contains("Text format: " + String.join(", ", text)), disasm::toString);
    }

    private static List<String> withoutListing() {
        List<String> out = new ArrayList<>(OUTPUT);
        out.remove("listing");
        return out;
    }

    @Test
    void theCompletionScriptCompletesFormats() {
        Sluice.Result r = Sluice.run("completion");
        assertEquals(0, r.exit(), r::toString);
        // picocli's bash script holds each option's candidates as a quoted word list: ("auto" "raw" ...)
        assertTrue(r.stdout().contains(words(INPUT) + " # --input-format values"), "--input-format candidates");
        assertTrue(
                r.stdout().contains(words(withoutListing()) + " # --output-format values"),
                "--output-format candidates of asm and compile");
        List<String> text = Stream.of(OutputFormat.values())
                .filter(OutputFormat::isText)
                .map(OutputFormat::id)
                .toList();
        assertTrue(r.stdout().contains(words(text) + " # --output-format values"), "--output-format of disasm");
    }

    private static String words(java.util.Collection<String> names) {
        return names.stream().map(n -> '"' + n + '"').collect(Collectors.joining(" ", "=(", ")"));
    }
}
