/**
 * Layers, losses and the Sequential model. Each layer is one class with forward and backward
 * side by side; per-call caches keep layers thread-safe. This package never touches files or
 * standard output.
 */
package org.jrnn.nn;
