package org.jrnn.cli;

// Main class of a child JVM for CheckpointResumeTest: the jrnn command line, dying half-way through writing its
// n-th checkpoint as a power cut or kill -9 would. The crash lives here, in test code, installed through
// AtomicFiles' stream wrapper; jrnn's own classes carry no crash hook.

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.jrnn.files.AtomicFiles;
import org.jrnn.testing.FailingDisk;

/**
 * Usage: {@code CrashDuringCheckpointWrite N BYTES jrnn-arguments...}. The N-th write of a {@code checkpoint.bin}
 * passes BYTES bytes to its temp file; when more arrives, the JVM halts with exit code {@value #EXIT} (Runtime.halt: no
 * finally blocks, no shutdown hooks, so nothing gets to clean up). Writes below the stream buffer go straight
 * to the file channel, so the torn temp file holds exactly BYTES bytes.
 */
public final class CrashDuringCheckpointWrite {
    static final int EXIT = 137;

    private CrashDuringCheckpointWrite() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        long bytes = Long.parseLong(args[1]);
        AtomicInteger writes = new AtomicInteger();
        AtomicFiles.installStreamWrapper((target, out) -> {
            boolean checkpoint = target.getFileName().toString().equals("checkpoint.bin");
            return checkpoint && writes.incrementAndGet() == n
                    ? FailingDisk.limited(out, bytes, () -> Runtime.getRuntime().halt(EXIT)) : out;
        });
        Main.main(Arrays.copyOfRange(args, 2, args.length));
    }
}
