/**
 * How jrnn writes a file: {@link org.jrnn.files.AtomicFiles}, completely or not at all, forced to disk.
 * Model files, checkpoints, vocabularies, metrics and plots all go through it. Depends on nothing, so
 * every package that writes (text, io, train, the CLI) can use it.
 */
package org.jrnn.files;
