package dev.sluice.tests.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code sluice run --inspect}: GraalVM's Chrome inspector on a classic BPF filter and on an SCPL policy's rules,
 * driven over its DevTools protocol on a loopback port as Chrome would: it stops on the first instruction (rule), a
 * breakpoint on a line stops the run there, and the frame's scope shows A and X (the call and the rule's condition)
 * with the values of the input's path.
 */
class InspectTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("Debugger listening on (ws://\\S+)");

    /** A DevTools protocol session: numbered requests, replies by id, events by method. */
    private static final class Session implements WebSocket.Listener {
        private final BlockingQueue<JsonNode> incoming = new LinkedBlockingQueue<>();
        private final List<JsonNode> events = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;
        private int nextId = 1;
        /** What the failure message shows if the inspector goes silent: the sluice process, its threads. */
        private java.util.function.Supplier<String> whenSilent = () -> "";

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    incoming.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new AssertionError("not JSON: " + partial, e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        // The connection's end is a message too, so a waiting test fails at once with the reason, not after a timeout.
        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            incoming.add(JSON.createObjectNode().put("closed", statusCode + " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            incoming.add(JSON.createObjectNode().put("closed", "error: " + error));
        }

        JsonNode call(String method, Map<String, Object> params) throws Exception {
            int id = nextId++;
            ObjectNode request = JSON.createObjectNode().put("id", id).put("method", method);
            request.set("params", JSON.valueToTree(params));
            socket.sendText(JSON.writeValueAsString(request), true).get(30, TimeUnit.SECONDS);
            while (true) {
                JsonNode m = next(method);
                if (m.path("id").asInt(-1) == id) {
                    assertTrue(!m.has("error"), () -> method + ": " + m);
                    return m.get("result");
                }
                events.add(m);
            }
        }

        JsonNode event(String method) throws Exception {
            for (Iterator<JsonNode> it = events.iterator(); it.hasNext(); ) {
                JsonNode e = it.next();
                if (method.equals(e.path("method").asText())) {
                    it.remove();
                    return e.get("params");
                }
            }
            while (true) {
                JsonNode m = next(method);
                if (method.equals(m.path("method").asText())) {
                    return m.get("params");
                }
                events.add(m);
            }
        }

        private JsonNode next(String waitingFor) throws InterruptedException {
            JsonNode m = incoming.poll(60, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError(
                        "no message from the inspector in 60 s while waiting for " + waitingFor + whenSilent.get());
            }
            if (m.has("closed")) {
                throw new AssertionError("the inspector's connection ended ("
                        + m.get("closed").asText() + ") while waiting for " + waitingFor + whenSilent.get());
            }
            return m;
        }

        /** The variables of the top frame's first scope, by name (numbers as their value). */
        Map<String, String> variables(JsonNode paused) throws Exception {
            String scope = paused.get("callFrames")
                    .get(0)
                    .get("scopeChain")
                    .get(0)
                    .get("object")
                    .get("objectId")
                    .asText();
            Map<String, String> out = new HashMap<>();
            for (JsonNode p :
                    call("Runtime.getProperties", Map.of("objectId", scope)).get("result")) {
                JsonNode value = p.get("value");
                out.put(
                        p.get("name").asText(),
                        value.has("value")
                                ? value.get("value").asText()
                                : value.path("description").asText());
            }
            return out;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A {@code sluice} process started under the inspector, with a DevTools session attached and the run waiting. */
    private record Inspected(
            Process process,
            Session session,
            CompletableFuture<String> stdout,
            CompletableFuture<String> stderr,
            ExecutorService readers)
            implements AutoCloseable {
        /** Resumes the last stop and waits for the run's end; returns its standard output. */
        String finish() throws Exception {
            session.call("Debugger.resume", Map.of());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "sluice run did not finish after the last resume");
            assertEquals(0, process.exitValue(), stderr::join);
            return stdout.join();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            readers.shutdownNow();
        }
    }

    private static Inspected inspect(String... runArgs) throws Exception {
        int port = freePort();
        List<String> args = new ArrayList<>(List.of("run", "--inspect=" + port));
        args.addAll(List.of(runArgs));
        List<String> cmd = Sluice.command(List.of(), args.toArray(new String[0]));
        Process process =
                new ProcessBuilder(cmd).directory(Sluice.ROOT.toFile()).start();
        ExecutorService readers = Executors.newCachedThreadPool();
        try {
            BufferedReader stderr =
                    new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            String url = null;
            for (String line; url == null && (line = stderr.readLine()) != null; ) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    url = m.group(1);
                }
            }
            assertNotNull(url, "the inspector did not say where it listens");
            assertTrue(url.startsWith("ws://127.0.0.1:" + port + "/"), url); // loopback only
            // Own threads, not the common pool: on a 2-core machine its one worker, blocked on a pipe, would also be
            // what the HTTP client's handshake waits for.
            StringBuffer stderrSoFar = new StringBuffer();
            CompletableFuture<String> restOfStderr = CompletableFuture.supplyAsync(
                    () -> {
                        stderr.lines().forEach(line -> stderrSoFar.append(line).append('\n'));
                        return stderrSoFar.toString();
                    },
                    readers);
            CompletableFuture<String> stdout = CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    },
                    readers);

            Session session = new Session();
            session.whenSilent = () -> diagnosis(process, stderrSoFar);
            session.socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(URI.create(url), session)
                    .get(30, TimeUnit.SECONDS);
            session.call("Runtime.enable", Map.of());
            session.call("Debugger.enable", Map.of());
            session.call("Runtime.runIfWaitingForDebugger", Map.of());
            return new Inspected(process, session, stdout, restOfStderr, readers);
        } catch (Throwable t) {
            process.destroyForcibly();
            readers.shutdownNow();
            throw t;
        }
    }

    /**
     * Why the inspector may be silent: whether the sluice process still runs, what it printed on stderr, and (while it
     * runs) its threads, so that a hang shows where each thread waits.
     */
    private static String diagnosis(Process process, StringBuffer stderrSoFar) {
        StringBuilder out = new StringBuilder("\n--- sluice process ")
                .append(process.pid())
                .append(process.isAlive() ? " still running" : " ended with status " + process.exitValue())
                .append("; its stderr after the listening line:\n")
                .append(stderrSoFar);
        if (process.isAlive()) {
            try {
                Process jcmd = new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                        .toString(),
                                Long.toString(process.pid()),
                                "Thread.print")
                        .redirectErrorStream(true)
                        .start();
                String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                jcmd.waitFor(30, TimeUnit.SECONDS);
                out.append("--- its threads:\n").append(dump);
            } catch (IOException | InterruptedException e) {
                out.append("--- no thread dump: ").append(e);
            }
        }
        return out.toString();
    }

    private static int line(JsonNode paused) {
        return paused.get("callFrames").get(0).get("location").get("lineNumber").asInt();
    }

    @Test
    void stopsOnABreakpointAndShowsTheRegisters() throws Exception {
        try (Inspected run = inspect("examples/deny-mkdir.bpf", "--syscall", "mkdirat(AT_FDCWD, 0x1000, 0755)")) {
            Session session = run.session();
            // Suspended on the first instruction (listing line 1, 0-based 0): nothing loaded yet.
            JsonNode first = session.event("Debugger.paused");
            JsonNode location = first.get("callFrames").get(0).get("location");
            assertEquals(0, location.get("lineNumber").asInt(), first::toString);
            assertEquals(Map.of("A", "0", "X", "0"), withoutM(session.variables(first)));

            // Instruction 5 is "jeq #0x102": mkdirat (258) reaches it with A = 258.
            JsonNode bp = session.call(
                    "Debugger.setBreakpoint",
                    Map.of(
                            "location",
                            Map.of("scriptId", location.get("scriptId").asText(), "lineNumber", 5)));
            assertEquals(5, bp.get("actualLocation").get("lineNumber").asInt(), bp::toString);
            session.call("Debugger.resume", Map.of());
            JsonNode atBreakpoint = session.event("Debugger.paused");
            assertEquals(5, line(atBreakpoint), atBreakpoint::toString);
            assertEquals(Map.of("A", "258", "X", "0"), withoutM(session.variables(atBreakpoint)));
            assertEquals("ERRNO(1)\n", run.finish());
        }
    }

    /**
     * On a policy the inspector debugs its rules in SCPL's interpreter (the compiled filter gives the verdicts first,
     * without the inspector): it stops at the first rule a call reaches, in the policy's own file, with the call and
     * the rule's condition as variables, and a breakpoint on a rule's line stops the run there.
     */
    @Test
    void stopsAtTheRulesOfAPolicy() throws Exception {
        try (Inspected run =
                inspect("examples/echo-hi.scpl", "--syscall", "write(2, 0x1000, 3)", "--syscall", "exit_group(0)")) {
            Session session = run.session();
            // write is named only by line 15 (0-based 14): "Allow write if arg0 == 1", which fails for fd 2.
            JsonNode first = session.event("Debugger.paused");
            assertEquals(14, line(first), first::toString);
            String scriptId = first.get("callFrames")
                    .get(0)
                    .get("location")
                    .get("scriptId")
                    .asText();
            JsonNode script = session.call("Debugger.getScriptSource", Map.of("scriptId", scriptId));
            assertTrue(
                    script.get("scriptSource").asText().contains("Allow write if arg0 == 1;"),
                    () -> "not the policy's file: " + script);
            Map<String, String> atWrite = session.variables(first);
            assertEquals("1", atWrite.get("nr"), atWrite::toString);
            assertEquals("2", atWrite.get("arg0"), atWrite::toString);
            assertEquals("arg0 == 1", atWrite.get("condition"), atWrite::toString);

            // A breakpoint on line 16 (0-based 15), "Allow exit_group": the next call stops there.
            JsonNode bp = session.call(
                    "Debugger.setBreakpoint", Map.of("location", Map.of("scriptId", scriptId, "lineNumber", 15)));
            assertEquals(15, bp.get("actualLocation").get("lineNumber").asInt(), bp::toString);
            session.call("Debugger.resume", Map.of());
            JsonNode atExit = session.event("Debugger.paused");
            assertEquals(15, line(atExit), atExit::toString);
            Map<String, String> atExitGroup = session.variables(atExit);
            assertEquals("231", atExitGroup.get("nr"), atExitGroup::toString);
            assertEquals("always", atExitGroup.get("condition"), atExitGroup::toString);
            assertEquals("ERRNO(38)\nALLOW\n", run.finish());
        }
    }

    private static Map<String, String> withoutM(Map<String, String> variables) {
        assertTrue(variables.containsKey("M"), variables::toString);
        Map<String, String> copy = new HashMap<>(variables);
        copy.remove("M");
        return copy;
    }
}
