package dev.sluice.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Embedding as a user would: the Sluice artifacts go into a temporary local Maven repository, a generated consumer
 * project that depends only on org.graalvm.polyglot:polyglot and dev.sluice:sluice is built by Maven, and its main
 * runs the README's embedding lines on a bundled filter, compiled by Graal (not the fallback interpreter).
 */
class EmbeddingTest {
    private static final String VERSION = "0.1.0-SNAPSHOT";

    @TempDir
    Path work;

    @Test
    void consumerProjectBuildsAndRunsTheReadmeExampleCompiled() throws Exception {
        Path root = RepoPaths.root();
        Path repo = work.resolve("repo");
        installLocally(repo, "sluice-parent", root.resolve("pom.xml"), null);
        installLocally(repo, "sluice-languages", root.resolve("language/pom.xml"), null);
        installLocally(
                repo,
                "sluice-core",
                root.resolve("language/core/pom.xml"),
                root.resolve("language/core/target/sluice-core-" + VERSION + ".jar"));
        installLocally(
                repo,
                "bpf-language",
                root.resolve("language/bpf/pom.xml"),
                root.resolve("language/bpf/target/bpf-language-" + VERSION + ".jar"));
        installLocally(
                repo,
                "scpl-language",
                root.resolve("language/scpl/pom.xml"),
                root.resolve("language/scpl/target/scpl-language-" + VERSION + ".jar"));
        installLocally(
                repo,
                "ebpf-language",
                root.resolve("language/ebpf/pom.xml"),
                root.resolve("language/ebpf/target/ebpf-language-" + VERSION + ".jar"));
        installLocally(
                repo,
                "inetdiag-language",
                root.resolve("language/inetdiag/pom.xml"),
                root.resolve("language/inetdiag/target/inetdiag-language-" + VERSION + ".jar"));
        installLocally(repo, "sluice", root.resolve("component/pom.xml"), null);

        Path consumer = work.resolve("consumer");
        Path src = consumer.resolve("src/main/java/example");
        Files.createDirectories(src);
        Files.writeString(consumer.resolve("pom.xml"), consumerPom());
        Files.writeString(src.resolve("Main.java"), consumerMain(readmeExample(root.resolve("README.md"))));

        String home = System.getProperty("user.home");
        List<String> mvn = List.of(
                root.resolve("mvnw").toString(),
                "-B",
                "-q",
                "-o",
                "-f",
                consumer.resolve("pom.xml").toString(),
                "-Dmaven.repo.local=" + repo,
                "-Dmaven.repo.local.tail=" + Path.of(home, ".m2/repository"),
                "-Dmaven.repo.local.tail.ignoreAvailability=true",
                "-DskipTests",
                "package",
                "dependency:copy-dependencies",
                "-DoutputDirectory=target/lib");
        Exec build = Exec.run(
                consumer,
                Map.of(
                        "JAVA_HOME",
                        System.getProperty("java.home"),
                        "MAVEN_USER_HOME",
                        Path.of(home, ".m2").toString()),
                mvn,
                300);
        assertEquals(0, build.exitCode(), () -> "consumer build failed\n" + build);
        assertTrue(
                Files.isRegularFile(consumer.resolve("target/lib/sluice-core-" + VERSION + ".jar")),
                "sluice-core came through dev.sluice:sluice");
        assertTrue(
                Files.isRegularFile(consumer.resolve("target/lib/bpf-language-" + VERSION + ".jar")),
                "bpf-language came through dev.sluice:sluice");
        assertTrue(
                Files.isRegularFile(consumer.resolve("target/lib/truffle-runtime-25.0.3.jar")),
                "truffle-runtime came through dev.sluice:sluice");
        assertTrue(
                !Files.exists(consumer.resolve("target/lib/sluice-launcher-" + VERSION + ".jar")),
                "the launcher must not leak to embedders");

        Path compiler = RepoPaths.compilerDir();
        List<String> run = new ArrayList<>(List.of(
                RepoPaths.javaBin().toString(),
                "-XX:+UnlockExperimentalVMOptions",
                "-XX:+EnableJVMCI",
                "--upgrade-module-path=" + compiler.resolve("compiler.jar") + ":"
                        + compiler.resolve("truffle-compiler.jar") + ":" + compiler.resolve("word.jar") + ":"
                        + compiler.resolve("collections.jar"),
                "--enable-native-access=ALL-UNNAMED",
                "-Dpolyglot.engine.userResourceCache=" + work.resolve("cache"),
                "-Dpolyglot.engine.AllowExperimentalOptions=true",
                "-Dpolyglot.engine.CompileImmediately=true",
                "-Dpolyglot.engine.BackgroundCompilation=false",
                "-Dpolyglot.engine.CompilationFailureAction=Throw",
                "-Dpolyglot.engine.TraceCompilation=true",
                "-cp",
                consumer.resolve("target/classes") + ":" + consumer.resolve("target/lib") + "/*",
                "example.Main",
                root.resolve("examples/allow-basic.bpf").toString()));
        Exec result = Exec.run(consumer, Map.of(), run, 120);
        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.stdout().contains("verdict 0x7fff0000"), result::toString);
        assertTrue(
                result.stdout().contains("engine: ") && !result.stdout().contains("engine: Interpreted"),
                result::toString);
        assertTrue(
                result.stderr().contains("opt done") && result.stderr().contains("bpf-seccomp"),
                () -> "no compilation of the filter root\n" + result);
    }

    private static void installLocally(Path repo, String artifactId, Path pom, Path jar) throws IOException {
        Path dir = repo.resolve("dev/sluice").resolve(artifactId).resolve(VERSION);
        Files.createDirectories(dir);
        Files.copy(pom, dir.resolve(artifactId + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            assertTrue(Files.isRegularFile(jar), "built jar missing: " + jar);
            Files.copy(jar, dir.resolve(artifactId + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The Java block between the embedding-example markers of the README. */
    static String readmeExample(Path readme) throws IOException {
        String text = Files.readString(readme);
        Matcher m = Pattern.compile(
                        "<!-- embedding-example:begin -->\\s*```java\\n(.*?)```\\s*<!-- embedding-example:end -->",
                        Pattern.DOTALL)
                .matcher(text);
        assertTrue(m.find(), "README has no embedding-example block");
        return m.group(1);
    }

    private static String consumerMain(String example) {
        return """
                        package example;

                        import java.nio.*;
                        import java.nio.file.*;
                        import org.graalvm.polyglot.*;
                        import org.graalvm.polyglot.io.ByteSequence;

                        public class Main {
                            public static void main(String[] args) throws Exception {
                                try (Engine engine = Engine.create()) {
                                    System.out.println("engine: " + engine.getImplementationName());
                                }
                        %s
                            }
                        }
                        """.formatted(example);
    }

    private static String consumerPom() {
        return """
                        <project xmlns="http://maven.apache.org/POM/4.0.0">
                          <modelVersion>4.0.0</modelVersion>
                          <groupId>example</groupId>
                          <artifactId>sluice-consumer</artifactId>
                          <version>1.0</version>
                          <properties>
                            <maven.compiler.release>25</maven.compiler.release>
                            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                          </properties>
                          <dependencies>
                            <dependency><groupId>org.graalvm.polyglot</groupId><artifactId>polyglot</artifactId><version>25.0.3</version></dependency>
                            <dependency><groupId>dev.sluice</groupId><artifactId>sluice</artifactId><version>%s</version><type>pom</type></dependency>
                          </dependencies>
                          <build>
                            <plugins>
                              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.6</version></plugin>
                              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
                            </plugins>
                          </build>
                        </project>
                        """.formatted(VERSION);
    }
}
