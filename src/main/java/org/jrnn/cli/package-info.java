/** The picocli command line: thin commands over the train and io packages. */
package org.jrnn.cli;
