// The one family of "the user can fix this" failures: a bad data file, model file, architecture or option.
// The CLI prints its message as one line and exits 2; anything that is not a UserInputException is a jrnn
// bug or an environment failure (disk full, out of memory) and is reported as such, never as bad input.
package org.jrnn.errors;

/** A problem with what the user supplied. {@link #getMessage()} is one line naming where and what. */
public class UserInputException extends RuntimeException {

    public UserInputException(String message) {
        this(message, null);
    }

    public UserInputException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Messages are printed on one line: newlines inside them become spaces. */
    protected static String oneLine(String s) {
        return s == null ? "unknown problem" : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
}
