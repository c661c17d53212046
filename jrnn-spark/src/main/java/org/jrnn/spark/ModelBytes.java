// A .jrnn file as bytes: what the driver broadcasts and what a saved Spark ML stage stores. Parsing goes
// through a private temp file because ModelFile reads zip files from disk; nothing else touches disk.
package org.jrnn.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.serve.Classifier;

/** Reading, hashing and parsing model bytes, and the per-JVM classifier cache executors use. */
final class ModelBytes {
    private ModelBytes() {}

    /**
     * One {@link Classifier} per model per JVM, keyed by the bytes' SHA-256: every task of an executor
     * shares it (Classifier is thread-safe), so a model is parsed once per executor, not per task or row.
     * Models are small (a few MB) and a job uses one or two, so entries are never evicted.
     */
    private static final Map<String, Classifier> CLASSIFIERS = new ConcurrentHashMap<>();

    static Classifier classifier(String sha256, java.util.function.Supplier<byte[]> bytes) {
        return CLASSIFIERS.computeIfAbsent(sha256, k -> new Classifier(parse(bytes.get(), "broadcast model " + k.substring(0, 12))));
    }

    /** How many classifiers this JVM has built (tests check one per model, not one per task). */
    static int cachedClassifiers() {
        return CLASSIFIERS.size();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Parses a model file's bytes; {@code name} is what errors call it. */
    static SavedModel parse(byte[] bytes, String name) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("jrnn-model-", ".jrnn");
            Files.write(tmp, bytes);
            return ModelFile.load(tmp);
        } catch (UserInputException e) {
            throw new UserInputException(name + ": " + e.getMessage().replace(String.valueOf(tmp), "").replaceFirst("^:\\s*", ""), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    /** Reads a whole file from any Hadoop-compatible path (local, hdfs://, s3a://). */
    static byte[] read(String path, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) throw new UserInputException(path + ": file not found");
            if (fs.getFileStatus(p).isDirectory()) throw new UserInputException(path + ": is a directory, expected a .jrnn model file");
            try (InputStream in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a whole file to a Hadoop-compatible path: a temp name beside it, then rename, so a reader
     * never sees half a file (on object stores, where rename is a copy, the temp name is never read).
     */
    static void write(String path, byte[] bytes, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            FileSystem fs = p.getFileSystem(conf);
            org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(p.getParent(), "." + p.getName() + ".tmp-" + java.util.UUID.randomUUID());
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(bytes);
            }
            if (fs.exists(p)) fs.delete(p, false);
            if (!fs.rename(tmp, p)) throw new IOException("rename " + tmp + " -> " + p + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** A model's bytes as ModelFile writes them. */
    static byte[] toBytes(SavedModel m) {
        Path tmp = null;
        try {
            Path dir = Files.createTempDirectory("jrnn-model-");
            tmp = dir.resolve("model.jrnn");
            ModelFile.save(tmp, m);
            byte[] b = Files.readAllBytes(tmp);
            Files.delete(tmp);
            Files.delete(dir);
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
