package org.jrnn.cli;

// The ./jrnn launcher's JVM set-up, run as written: its "UTF-8" and "heap cap" blocks are cut out of
// the script and run by bash in front of `java -cp <this class path> org.jrnn.cli.Main`, so the test
// needs no jar (mvn verify tests before it shades) and never triggers the launcher's build step.

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {
    static final String TEXT = "Café crème brûlée";

    /** The project's ./jrnn: found upwards from the module folder surefire runs in. */
    static Path launcher() {
        for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve("jrnn");
            if (Files.isRegularFile(f) && Files.exists(d.resolve("jrnn-cli"))) return f;
        }
        throw new AssertionError("./jrnn not found above " + System.getProperty("user.dir"));
    }

    /** The lines from "# ---- NAME" to "# ---- end ...", as the launcher has them. */
    static String block(String script, String name) {
        Matcher m = Pattern.compile("(?ms)^# ---- " + Pattern.quote(name) + ".*?^# ---- end [^\n]*$").matcher(script);
        assertThat(m.find()).as("./jrnn has a block '# ---- %s' ... '# ---- end'", name).isTrue();
        return m.group();
    }

    static String bash() {
        for (String b : List.of("/bin/bash", "/usr/bin/bash")) if (Files.isExecutable(Path.of(b))) return b;
        return null;
    }

    /** bash -c "the launcher's blocks; exec java $HEAP_OPTS $UTF8_OPTS $JRNN_JAVA_OPTS -cp ... Main ARGS [$(cat TEXT_FILE)]". */
    static ProcessTest.Result viaLauncher(Path dir, Map<String, String> env, byte[] stdin, Path textArg, String... args) throws Exception {
        String script = Files.readString(launcher(), StandardCharsets.UTF_8);
        String bash = bash();
        Assumptions.assumeTrue(bash != null, "no bash");
        // The text goes through a file: bash passes its bytes on untouched, whatever this JVM's own locale.
        String run = "set -euo pipefail\n" + block(script, "heap cap") + "\n" + block(script, "UTF-8 text") + "\n"
                + "exec \"$JRNN_TEST_JAVA\" $HEAP_OPTS $UTF8_OPTS ${JRNN_JAVA_OPTS:-} -cp \"$JRNN_TEST_CP\" org.jrnn.cli.Main \"$@\""
                + (textArg != null ? " \"$(cat \"$JRNN_TEST_TEXT\")\"" : "") + "\n";
        List<String> command = new ArrayList<>(List.of(bash, "-c", run, "jrnn"));
        command.addAll(List.of(args));
        Map<String, String> e = new HashMap<>(env);
        e.put("JRNN_TEST_JAVA", ProcessTest.JAVA);
        e.put("JRNN_TEST_CP", ProcessTest.CLASS_PATH);
        if (textArg != null) e.put("JRNN_TEST_TEXT", textArg.toString());
        return ProcessTest.run(command, e, stdin, dir);
    }

    /** Whether a UTF-8 locale is installed (without one, no launcher can make arguments UTF-8). */
    static boolean utf8LocaleInstalled(Path dir) throws Exception {
        ProcessTest.Result r = ProcessTest.run(List.of(bash(), "-c", "locale -a"), Map.of(), new byte[0], dir);
        return new String(r.out(), StandardCharsets.UTF_8).lines().anyMatch(l -> l.matches("(?i)(C|en_US)\\.utf-?8"));
    }

    /**
     * The same bytes out under LC_ALL=C as under C.UTF-8, for the text as an argument and on standard
     * input. Before the fix, under LC_ALL=C the JVM decoded the argument as ASCII, each byte of "é"
     * becoming U+FFFD: another text, and with a real vocabulary other tokens and probabilities.
     */
    @Test
    void predictGivesTheSameBytesUnderLcAllCAsUnderUtf8(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(bash() != null, "no bash");
        Assumptions.assumeTrue(utf8LocaleInstalled(dir), "no UTF-8 locale installed (locale -a)");
        Path model = dir.resolve("m.jrnn");
        org.jrnn.io.ModelFile.save(model, TestModels.tiny(11));
        Path text = Files.writeString(dir.resolve("text.txt"), TEXT, StandardCharsets.UTF_8);
        byte[] stdin = (TEXT + "\n").getBytes(StandardCharsets.UTF_8);
        Map<String, byte[]> outputs = new java.util.LinkedHashMap<>();
        for (String locale : List.of("C", "C.UTF-8")) {
            ProcessTest.Result arg = viaLauncher(dir, Map.of("LC_ALL", locale), new byte[0], text, "predict", "--model", model.toString());
            ProcessTest.Result in = viaLauncher(dir, Map.of("LC_ALL", locale), stdin, null, "predict", "--model", model.toString());
            assertThat(arg.code()).as(arg.err()).isZero();
            assertThat(in.code()).as(in.err()).isZero();
            outputs.put("argument, LC_ALL=" + locale, arg.out());
            outputs.put("stdin, LC_ALL=" + locale, in.out());
        }
        byte[] reference = outputs.get("argument, LC_ALL=C.UTF-8");
        assertThat(new ObjectMapper().readTree(reference).get("text").asText()).isEqualTo(TEXT);
        outputs.forEach((how, out) -> assertThat(new String(out, StandardCharsets.UTF_8)).as(how)
                .isEqualTo(new String(reference, StandardCharsets.UTF_8)));
        outputs.forEach((how, out) -> assertThat(out).as(how).isEqualTo(reference));
    }

    static long maxHeap(Path dir, Map<String, String> env) throws Exception {
        String script = Files.readString(launcher(), StandardCharsets.UTF_8);
        String run = "set -euo pipefail\n" + block(script, "heap cap") + "\nexec \"$JRNN_TEST_JAVA\" $HEAP_OPTS ${JRNN_JAVA_OPTS:-} -XX:+PrintFlagsFinal -version\n";
        Map<String, String> e = new HashMap<>(env);
        e.put("JRNN_TEST_JAVA", ProcessTest.JAVA);
        ProcessTest.Result flags = ProcessTest.run(List.of(bash(), "-c", run), e, new byte[0], dir);
        Matcher m = Pattern.compile("size_t MaxHeapSize\\s+= (\\d+)").matcher(new String(flags.out(), StandardCharsets.UTF_8));
        assertThat(m.find()).as(flags.err()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A default heap cap (the JVM's own default is a quarter of RAM), which JRNN_JAVA_OPTS overrides. */
    @Test
    void theHeapIsCappedByDefaultAndJrnnJavaOptsOverridesIt(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(bash() != null, "no bash");
        assertThat(maxHeap(dir, Map.of())).isEqualTo(4L << 30);
        assertThat(maxHeap(dir, Map.of("JRNN_JAVA_OPTS", "-Xmx1g"))).isEqualTo(1L << 30);
        // the launcher's own command line: the cap and UTF-8 flags, then JRNN_JAVA_OPTS, so that it wins
        // (the java command, with its backslash-continued lines joined)
        String exec = Files.readString(launcher(), StandardCharsets.UTF_8).replace("\\\n", " ").lines()
                .filter(l -> l.contains("\"$JAVA\" --add-modules") && l.contains("org.jrnn.cli.Main")).findFirst().orElseThrow();
        assertThat(exec).containsSubsequence("$HEAP_OPTS", "${JRNN_JAVA_OPTS:-}").containsSubsequence("$UTF8_OPTS", "${JRNN_JAVA_OPTS:-}");
    }
}
