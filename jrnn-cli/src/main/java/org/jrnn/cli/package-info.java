/** The picocli command line: thin commands over the train, io, eval and serve packages. */
package org.jrnn.cli;
