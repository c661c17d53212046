/** The fit loop, presets, architecture files and training runs end to end. */
package org.jrnn.train;
