// The test SparkSession: local[2], every listener on 127.0.0.1, no UI, few shuffle partitions (the data is tiny).
// One for the whole test JVM (surefire runs every class in one fork): a session costs 5-9 s to start, so the
// classes share it instead of each starting its own; it stops when the JVM exits.
package org.jrnn.spark;

import org.apache.spark.sql.SparkSession;

final class LocalSpark {
    private LocalSpark() {}

    private static SparkSession session;

    static synchronized SparkSession get() {
        if (session != null) return session;
        session = SparkSession.builder()
                .master("local[2]")
                .appName("jrnn-spark-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.ui.showConsoleProgress", "false")
                .getOrCreate();
        SparkSession s = session;
        Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
        return s;
    }
}
