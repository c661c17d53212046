/** Files jrnn writes: atomic writes, metrics JSON (model files come with issue D). */
package org.jrnn.io;
