// One file over HTTP(S) into a cache, verified: download to "<name>.part", resume it with a Range request
// when the server honours one, retry transient failures (I/O errors, 408, 429, 5xx) with exponential
// backoff, check the md5, then rename onto the final name, so the cache never holds an unverified file.
// Not a general HTTP client: GET only, no authentication, no parallel or concurrent downloads of one file.
package org.jrnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import org.jrnn.files.AtomicFiles;

/** Downloads and verifies single files. Stateless; see {@link #fetch}. */
public final class Download {
    private Download() {}

    /**
     * Retry and timeout settings.
     *
     * @param retries attempts after the first one for transient failures
     * @param backoffMillis wait before the first retry; doubled for each further one
     */
    public record Settings(int retries, long backoffMillis, int connectTimeoutMillis, int readTimeoutMillis) {
        /** 4 retries after 1, 2, 4, 8 s; 30 s to connect, 60 s without a byte. */
        public static final Settings DEFAULT = new Settings(4, 1000, 30_000, 60_000);

        public Settings {
            if (retries < 0 || backoffMillis < 0 || connectTimeoutMillis < 0 || readTimeoutMillis < 0) {
                throw new IllegalArgumentException("download settings must be >= 0");
            }
        }
    }

    /** Progress callbacks, called on the downloading thread. */
    public interface Progress {
        Progress NONE = new Progress() {};

        /** A transfer starts at {@code fromBytes} (more than 0 when resuming) of {@code totalBytes} (-1 if unknown). */
        default void started(String file, long fromBytes, long totalBytes) {}

        default void advanced(long bytes) {}

        /** The transfer ended (completely or not). */
        default void stopped() {}

        /** A transient failure; the next attempt starts after {@code waitMillis}. */
        default void retrying(String file, String problem, int attempt, long waitMillis) {}
    }

    /** What {@link #fetch} did. */
    public enum Outcome {
        /** The file was already there with the right checksum; nothing was requested. */
        PRESENT,
        DOWNLOADED,
        /** A partial download was completed with a Range request. */
        RESUMED
    }

    /**
     * Makes {@code target} a verified copy of {@code url}: returns at once if it exists with md5
     * {@code md5}; otherwise downloads into {@code target + ".part"} (continuing an existing one with
     * {@code Range: bytes=N-}; a server answering 200 instead restarts it), verifies, and renames. A
     * checksum mismatch deletes the download (after one fresh retry if it had resumed an old part: the old
     * bytes may be stale) and fails; a failure after all retries keeps the part for the next run.
     *
     * @throws DownloadException on an HTTP error status other than 408/429/5xx, a checksum mismatch, or
     *     transient failures outlasting the retries; the message is one line
     */
    public static Outcome fetch(URI url, Path target, String md5, Settings settings, Progress progress) throws IOException {
        String expected = md5.toLowerCase(Locale.ROOT);
        String name = target.getFileName().toString();
        if (Files.isRegularFile(target) && md5(target).equals(expected)) return Outcome.PRESENT;
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path part = dir.resolve(name + ".part");
        int failures = 0;
        boolean freshRetryDone = false;
        while (true) {
            long had = Files.isRegularFile(part) ? Files.size(part) : 0;
            boolean resumed;
            try {
                resumed = transfer(url, part, had, name, settings, progress); // DownloadException (unchecked) is final
            } catch (IOException e) {
                failures++;
                String problem = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (failures > settings.retries()) {
                    throw new DownloadException(name + ": " + url + ": " + problem + " (gave up after " + failures + " attempt"
                            + (failures == 1 ? "" : "s") + "; run again to resume)", e);
                }
                long wait = settings.backoffMillis() << Math.min(failures - 1, 20);
                progress.retrying(name, problem, failures, wait);
                sleep(wait);
                continue;
            }
            String actual = md5(part);
            if (!actual.equals(expected)) {
                Files.deleteIfExists(part);
                if (resumed && !freshRetryDone) {
                    freshRetryDone = true;
                    continue;
                }
                throw new DownloadException(name + ": checksum mismatch: md5 " + actual + ", expected " + expected + " (from " + url
                        + "; the download was deleted)");
            }
            AtomicFiles.moveDurably(part, target); // a crash after "downloaded" must not leave an empty or partial file
            return resumed ? Outcome.RESUMED : Outcome.DOWNLOADED;
        }
    }

    /** One request; returns true if it appended to existing bytes. Transient problems are plain IOExceptions. */
    private static boolean transfer(URI url, Path part, long had, String name, Settings s, Progress progress) throws IOException {
        URLConnection c = url.toURL().openConnection();
        if (!(c instanceof HttpURLConnection http)) {
            throw new DownloadException(name + ": " + url + ": only http and https URLs are supported");
        }
        http.setConnectTimeout(s.connectTimeoutMillis());
        http.setReadTimeout(s.readTimeoutMillis());
        http.setInstanceFollowRedirects(true);
        http.setRequestProperty("User-Agent", "jrnn");
        http.setRequestProperty("Accept-Encoding", "identity");
        if (had > 0) http.setRequestProperty("Range", "bytes=" + had + "-");
        try {
            int code = http.getResponseCode();
            if (code == 416 && had > 0) {
                return true; // the part already holds every byte (or is longer than the file): let the checksum decide
            }
            boolean append = false;
            if (code == HttpURLConnection.HTTP_PARTIAL && had > 0) {
                String range = http.getHeaderField("Content-Range");
                if (range == null || !range.startsWith("bytes " + had + "-")) {
                    Files.deleteIfExists(part); // an unexpected range: start over on the next attempt
                    throw new IOException("unexpected Content-Range '" + range + "' for a request from byte " + had);
                }
                append = true;
            } else if (code != HttpURLConnection.HTTP_OK) {
                String status = "HTTP " + code + (http.getResponseMessage() != null ? " " + http.getResponseMessage() : "");
                if (code == 408 || code == 429 || code >= 500) throw new IOException(status);
                throw new DownloadException(name + ": " + url + ": " + status);
            }
            long length = http.getContentLengthLong();
            long start = append ? had : 0;
            long total = length >= 0 ? start + length : -1;
            progress.started(name, start, total);
            long written = start;
            try (InputStream in = http.getInputStream();
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    out.write(buf, 0, n);
                    written += n;
                    progress.advanced(n);
                }
            } finally {
                progress.stopped();
            }
            if (total >= 0 && written != total) {
                throw new IOException("connection closed after " + written + " of " + total + " bytes");
            }
            return append;
        } finally {
            http.disconnect();
        }
    }

    /** Lower-case hex md5 of a file. */
    public static String md5(Path file) throws IOException {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides MD5", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static void sleep(long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
