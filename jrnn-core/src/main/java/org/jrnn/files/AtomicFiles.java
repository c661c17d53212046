// The one way jrnn writes a file: a temp file with a unique name beside the target, the content, a
// FileChannel.force, an atomic rename over the target, then an fsync of the folder so the rename itself
// survives a power cut (the sequence of SQLite's and PostgreSQL's durable renames). A crash or an error at any
// moment leaves the previous file whole. Not a lock: two processes writing one target both succeed, the
// last rename wins.
package org.jrnn.files;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a file completely or not at all, and durably: when {@code write} returns, the new content and
 * its name are on disk; when it throws, the target is as it was and no temp file is left.
 *
 * <p>An {@link IOException} from the disk (for example "No space left on device") is rethrown with the
 * target in its message, {@code "writing model.jrnn: No space left on device"}, and the original as its
 * cause; a {@link FileSystemException} (missing folder, permission denied) is rethrown as it is, since it
 * names its file already.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Produces a file's content on a stream (which it must not close). */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Wraps the stream to the temp file. jrnn itself never wraps; tests use it to make a write fail or stop
     * part-way (a full disk, a crash) without a hook inside the classes that write.
     */
    @FunctionalInterface
    public interface StreamWrapper {
        /** {@code target} is the file being written (not the temp file); return {@code out} or a stream onto it. */
        OutputStream wrap(Path target, OutputStream out) throws IOException;
    }

    private static final StreamWrapper NONE = (target, out) -> out;
    private static volatile StreamWrapper installed = NONE;

    /**
     * Makes every later write of this JVM go through {@code wrapper} ({@code null} restores plain writes).
     * For tests and tools that must see jrnn's own writes fail or stop part-way; jrnn never calls it.
     */
    public static void installStreamWrapper(StreamWrapper wrapper) {
        installed = wrapper == null ? NONE : wrapper;
    }

    public static void write(Path target, byte[] content) throws IOException {
        write(target, out -> out.write(content));
    }

    public static void writeString(Path target, String content) throws IOException {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Streams {@code content} to {@code target}, through the installed {@link StreamWrapper} if any. */
    public static void write(Path target, Content content) throws IOException {
        write(target, content, installed);
    }

    /**
     * Streams {@code content} to a temp file beside {@code target} through {@code wrapper}, forces it to
     * disk, renames it over the target and forces the folder. If anything throws before the rename, the
     * target is untouched and the temp file is removed. Creates missing parent folders.
     */
    public static void write(Path target, Content content, StreamWrapper wrapper) throws IOException {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(wrapper, "wrapper");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, tempPrefix(abs), TEMP_SUFFIX); // unique: two writers never share one
        boolean renamed = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(wrapper.wrap(target, Channels.newOutputStream(ch)), 1 << 16)) {
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            setPermissions(tmp, abs);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            renamed = true;
        } catch (FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("writing " + target + ": " + e.getMessage(), e);
        } finally {
            if (!renamed) deleteQuietly(tmp);
        }
        syncDirectory(dir);
    }

    private static final String TEMP_SUFFIX = ".tmp";

    /** Removing the temp file must not hide why the write failed; a disk that refuses even that wins nothing. */
    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // left for leftovers() to find
        }
    }

    private static String tempPrefix(Path abs) {
        return "." + abs.getFileName() + ".";
    }

    /**
     * Temp files a crashed or killed write of {@code target} left in its folder ({@code .NAME.<random>.tmp}).
     * A write never leaves one behind when it fails with an exception, only when the JVM dies mid-write.
     */
    public static List<Path> leftovers(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(abs.getParent())) return out;
        String prefix = tempPrefix(abs);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs.getParent(),
                p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(TEMP_SUFFIX))) {
            ds.forEach(out::add);
        }
        return out;
    }

    /**
     * Forces the folder's entries (the rename) to disk. Linux and macOS allow opening a folder for reading
     * and forcing it; Windows refuses to open one, and there the rename is as durable as NTFS makes it.
     */
    /**
     * Makes a finished file durable under its final name: forces {@code from} to disk, renames it over
     * {@code to} (atomically where the file system can) and forces the folder, so a crash afterwards
     * finds either the old target or the whole new one. For files written elsewhere in pieces (a
     * resumable download's part file), where {@link #write} cannot stream them.
     */
    public static void moveDurably(Path from, Path to) throws IOException {
        try (FileChannel ch = FileChannel.open(from, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Path abs = to.toAbsolutePath();
        try {
            Files.move(from, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, abs, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(abs.getParent());
    }

    static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // the OS refuses to sync a folder: nothing more can be done, and the file itself is whole
        }
    }

    /**
     * createTempFile makes an owner-only file; give the result the permissions of the file it
     * replaces, or rw-r--r-- for a new one, as a plain write would under the usual umask.
     */
    private static void setPermissions(Path tmp, Path target) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) return;
        Set<PosixFilePermission> perms = Files.exists(target)
                ? Files.getPosixFilePermissions(target)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }
}
