package org.jrnn.testing;

// A disk that fills up, for tests of what a failed write leaves behind: an AtomicFiles.StreamWrapper whose
// stream takes a number of bytes and then throws IOException("No space left on device"), as the JDK reports
// ENOSPC from write(2). Nothing in jrnn's main code knows about it.

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.jrnn.files.AtomicFiles;

public final class FailingDisk {
    private FailingDisk() {}

    public static final String ENOSPC = "No space left on device";

    /** Every write through the wrapper fails once {@code capacity} bytes of it have reached the file. */
    public static AtomicFiles.StreamWrapper fullAfter(long capacity) {
        return (target, out) -> new Full(out, capacity);
    }

    private static final class Full extends FilterOutputStream {
        private long room;

        Full(OutputStream out, long room) {
            super(out);
            this.room = room;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int fits = (int) Math.min(len, room);
            out.write(b, off, fits); // a real disk takes what fits, then refuses
            room -= fits;
            if (fits < len) throw new IOException(ENOSPC);
        }
    }
}
