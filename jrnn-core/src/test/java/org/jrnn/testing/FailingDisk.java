package org.jrnn.testing;

// A disk that fills up, or a machine that dies mid-write, for tests of what a failed write leaves behind: a
// stream that passes a number of bytes to the file and then fails in the way the test chooses — throwing
// IOException("No space left on device"), as the JDK reports ENOSPC from write(2), or halting the JVM (the
// CLI's crash test). Nothing in jrnn's main code knows about it.

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.jrnn.files.AtomicFiles;

public final class FailingDisk {
    private FailingDisk() {}

    public static final String ENOSPC = "No space left on device";

    /** What happens when a write does not fit: throw, or halt the JVM. */
    @FunctionalInterface
    public interface WhenFull {
        void happen() throws IOException;
    }

    /** Every write through the wrapper fails once {@code capacity} bytes of it have reached the file. */
    public static AtomicFiles.StreamWrapper fullAfter(long capacity) {
        return (target, out) -> limited(out, capacity, () -> {
            throw new IOException(ENOSPC);
        });
    }

    /**
     * {@code out} with room for {@code room} bytes: the first write that needs more passes what fits (a
     * real disk takes what fits, then refuses), flushes it to {@code out}, then runs {@code whenFull}.
     */
    public static OutputStream limited(OutputStream out, long room, WhenFull whenFull) {
        return new Limited(out, room, whenFull);
    }

    private static final class Limited extends FilterOutputStream {
        private long room;
        private final WhenFull whenFull;

        Limited(OutputStream out, long room, WhenFull whenFull) {
            super(out);
            this.room = room;
            this.whenFull = whenFull;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int fits = (int) Math.min(len, room);
            out.write(b, off, fits);
            room -= fits;
            if (fits < len) {
                out.flush();
                whenFull.happen();
            }
        }
    }
}
