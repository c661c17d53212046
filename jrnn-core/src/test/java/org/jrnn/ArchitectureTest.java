package org.jrnn;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The package order of docs/ARCHITECTURE.md, enforced on the compiled classes (imports, fully
 * qualified names, signatures, annotations: every reference in the bytecode, via ArchUnit):
 * serve/eval → train → io → model → nn → kernels, with optim under train, text/data beside, and
 * files (the atomic writer) and errors under everything that writes or fails on input.
 * A package may use only the packages listed for it; the CLI module sits above all of them.
 */
class ArchitectureTest {
    /** package → the jrnn packages it may use (besides itself). "" is org.jrnn itself (Version). */
    static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("", Set.of()),
            Map.entry("errors", Set.of()),
            Map.entry("files", Set.of()),
            Map.entry("kernels", Set.of()),
            Map.entry("nn", Set.of("kernels")),
            Map.entry("optim", Set.of("nn", "kernels")),
            Map.entry("model", Set.of("nn", "errors")),
            Map.entry("data", Set.of("files", "errors")),
            Map.entry("text", Set.of("data", "files", "errors")),
            Map.entry("io", Set.of("", "model", "nn", "kernels", "text", "data", "files", "errors")),
            Map.entry("train", Set.of("", "io", "model", "optim", "nn", "kernels", "text", "data", "files", "errors")),
            Map.entry("eval", Set.of("", "io", "model", "nn", "kernels", "text", "data", "files", "errors")),
            Map.entry("serve", Set.of("", "eval", "io", "model", "nn", "kernels", "text", "data", "files", "errors")));

    static String jrnnPackage(JavaClass c) {
        String p = c.getPackageName();
        if (p.equals("org.jrnn")) return "";
        if (!p.startsWith("org.jrnn.")) return null;
        String rest = p.substring("org.jrnn.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    static String name(String pkg) {
        return pkg.isEmpty() ? "org.jrnn" : "org.jrnn." + pkg;
    }

    static List<String> violations(JavaClasses classes) {
        Set<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = jrnnPackage(c);
            if (from == null) continue;
            Set<String> allowed = ALLOWED.get(from);
            if (allowed == null) {
                out.add(c.getName() + ": package org.jrnn." + from + " is not in ArchitectureTest.ALLOWED (add it, and to docs/ARCHITECTURE.md)");
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = jrnnPackage(d.getTargetClass());
                if (to == null || to.equals(from) || allowed.contains(to)) continue;
                out.add(c.getName() + " uses " + d.getTargetClass().getName() + " (" + name(from) + " may not use " + name(to) + ")");
            }
        }
        return new ArrayList<>(out);
    }

    @Test
    void packagesDependOnlyDownward() {
        JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.jrnn");
        assertThat(core.size()).as("classes found").isGreaterThan(50);
        assertThat(violations(core)).isEmpty();
    }

    @Test
    void theCheckSeesAnUpwardReference() {
        // A class of this test package (org.jrnn, the bottom layer) naming io: must be reported.
        JavaClasses probe = new ClassFileImporter().importClasses(UpwardProbe.class);
        assertThat(violations(probe)).singleElement().asString().contains("org.jrnn may not use org.jrnn.io");
    }

    static final class UpwardProbe {
        Object model = org.jrnn.io.SavedModel.class;
    }

    @Test
    void allowedListIsADag() {
        // Walk down from each package; a cycle would bring it back to itself.
        for (String start : ALLOWED.keySet()) {
            List<String> todo = new ArrayList<>(ALLOWED.get(start));
            Set<String> seen = new TreeSet<>();
            while (!todo.isEmpty()) {
                String p = todo.remove(todo.size() - 1);
                assertThat(p).as("cycle through " + start).isNotEqualTo(start);
                if (seen.add(p)) todo.addAll(ALLOWED.get(p));
            }
        }
    }
}
