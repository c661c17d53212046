// jrnn's version, written once in pom.xml and copied into org/jrnn/jrnn.properties by resource filtering.
package org.jrnn;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The running jrnn release ("0.1.0-SNAPSHOT"), as recorded in model files and printed by {@code --version}. */
public final class Version {
    private static final String VERSION = load();

    private Version() {}

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("jrnn.properties")) {
            if (in == null) throw new IllegalStateException("internal error: org/jrnn/jrnn.properties is missing from the build");
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            if (v == null || v.isBlank() || v.contains("${")) {
                throw new IllegalStateException("internal error: org/jrnn/jrnn.properties was not filtered (version=" + v + ")");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
