package dev.sluice.scpl.oci;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.sluice.core.error.Words;
import dev.sluice.scpl.error.ScplFailure;
import dev.sluice.scpl.parse.Ast.Pos;
import dev.sluice.scpl.parse.Diagnostics;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON tree that remembers where each value starts, so schema errors can say {@code file:line:col}. Jackson's own
 * tree model drops locations; this reads Jackson's token stream instead. Duplicate keys are an error (Go's decoder
 * silently keeps the last one, which hides mistakes in hand-edited profiles).
 */
final class JsonTree {
    /** A JSON value and the 1-based position of its first character. */
    sealed interface Node permits Obj, Arr, Str, Num, Bool, Null {
        Pos pos();

        /** How the value is called in messages: "a string", "an object"... */
        String describe();
    }

    /** Members in file order, with the position of each key. */
    record Obj(Pos pos, Map<String, Node> members, Map<String, Pos> keys) implements Node {
        Node get(String key) {
            Node n = members.get(key);
            return n instanceof Null ? null : n;
        }

        @Override
        public String describe() {
            return "an object";
        }
    }

    record Arr(Pos pos, List<Node> items) implements Node {
        @Override
        public String describe() {
            return "an array";
        }
    }

    record Str(Pos pos, String value) implements Node {
        @Override
        public String describe() {
            return "a string";
        }
    }

    /** Integral numbers keep their exact value; fractions and exponents are not integers ({@code integral} false). */
    record Num(Pos pos, BigInteger value, boolean integral, String text) implements Node {
        @Override
        public String describe() {
            return integral ? "the number " + text : "the non-integer number " + text;
        }
    }

    record Bool(Pos pos, boolean value) implements Node {
        @Override
        public String describe() {
            return "a boolean";
        }
    }

    record Null(Pos pos) implements Node {
        @Override
        public String describe() {
            return "null";
        }
    }

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(100)
                    .build())
            .build();

    private final String file;
    private final String text;
    private final JsonParser parser;

    private JsonTree(String file, String text, JsonParser parser) {
        this.file = file;
        this.text = text;
        this.parser = parser;
    }

    /** Parses one JSON document; malformed JSON is an OCI_MALFORMED_JSON error at Jackson's position. */
    static Node parse(String file, String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonTree t = new JsonTree(file, text, p);
            if (p.nextToken() == null) {
                throw Diagnostics.error(new Pos(file, 1, 1), text, ScplFailure.OCI_MALFORMED_JSON, "the file is empty");
            }
            Node root = t.value();
            if (p.nextToken() != null) {
                throw t.malformed(p.currentTokenLocation(), "more content after the top-level value");
            }
            return root;
        } catch (JsonParseException e) {
            JsonLocation l = e.getLocation();
            throw Diagnostics.error(
                    pos(file, l),
                    text,
                    ScplFailure.OCI_MALFORMED_JSON,
                    e.getOriginalMessage().lines().findFirst().orElse("?"));
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw Diagnostics.error(new Pos(file, 1, 1), text, ScplFailure.OCI_MALFORMED_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            throw Diagnostics.error(
                    new Pos(file, 1, 1), text, ScplFailure.OCI_MALFORMED_JSON, String.valueOf(e.getMessage()));
        }
    }

    private static Pos pos(String file, JsonLocation l) {
        return new Pos(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }

    private RuntimeException malformed(JsonLocation l, String message) {
        return Diagnostics.error(pos(file, l), text, ScplFailure.OCI_MALFORMED_JSON, message);
    }

    private Node value() throws IOException {
        JsonToken t = parser.currentToken();
        Pos at = pos(file, parser.currentTokenLocation());
        switch (t) {
            case START_OBJECT -> {
                Map<String, Node> members = new LinkedHashMap<>();
                Map<String, Pos> keys = new LinkedHashMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String key = parser.currentName();
                    Pos keyPos = pos(file, parser.currentTokenLocation());
                    if (members.containsKey(key)) {
                        throw Diagnostics.error(
                                keyPos,
                                text,
                                ScplFailure.OCI_SCHEMA,
                                "key \"" + Words.clip(key, 64) + "\" appears twice in this object (first at line "
                                        + keys.get(key).line() + ")");
                    }
                    parser.nextToken();
                    keys.put(key, keyPos);
                    members.put(key, value());
                }
                return new Obj(at, members, keys);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    items.add(value());
                }
                return new Arr(at, items);
            }
            case VALUE_STRING -> {
                return new Str(at, parser.getText());
            }
            case VALUE_NUMBER_INT -> {
                return new Num(at, parser.getBigIntegerValue(), true, parser.getText());
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Num(at, null, false, parser.getText());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Bool(at, t == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return new Null(at);
            }
            default -> throw malformed(parser.currentTokenLocation(), "unexpected " + t);
        }
    }
}
