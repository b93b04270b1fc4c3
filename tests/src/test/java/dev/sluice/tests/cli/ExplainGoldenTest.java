package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code sluice explain} prints byte for byte what the README's transcript (and a few more recorded transcripts) show:
 * the BPF path with A and X, the SCPL deciding rule. Recorded before the interpreter's op semantics were shared with
 * explain, so a change in what explain observes shows up here.
 */
class ExplainGoldenTest {
    private static final String PROMPT = "$ ./sluice.sh explain ";

    record Transcript(String source, List<String> args, String stdout, int exit) {
        @Override
        public String toString() {
            return source + ": explain " + String.join(" ", args);
        }
    }

    static Stream<Transcript> transcripts() throws IOException {
        List<Transcript> all = new ArrayList<>();
        all.addAll(read("README.md", Sluice.ROOT.resolve("README.md")));
        all.addAll(read("explain-golden.txt", Sluice.ROOT.resolve("tests/src/test/resources/cli/explain-golden.txt")));
        assertTrue(all.size() >= 5, "expected the README's two explain examples and the recorded ones, found " + all);
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void outputIsUnchanged(Transcript t) {
        Sluice.Result r = Sluice.run(t.args().toArray(String[]::new));
        assertEquals(t.stdout(), r.stdout(), r::toString);
        assertEquals(t.exit(), r.exit(), r::toString);
    }

    /** Every "$ ./sluice.sh explain ..." line, its output up to "[exit N]". */
    private static List<Transcript> read(String name, Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Transcript> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith(PROMPT)) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of("explain"));
            args.addAll(shellWords(lines.get(i).substring(PROMPT.length())));
            StringBuilder stdout = new StringBuilder();
            int j = i + 1;
            while (!lines.get(j).startsWith("[exit ")) {
                stdout.append(lines.get(j)).append('\n');
                j++;
            }
            int exit = Integer.parseInt(lines.get(j).substring(6, lines.get(j).length() - 1));
            out.add(new Transcript(name + ":" + (i + 1), args, stdout.toString(), exit));
            i = j;
        }
        return out;
    }

    /** Splits on spaces outside single quotes, as the shell does for the transcripts' commands. */
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    words.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(w.toString());
        }
        return words;
    }
}
