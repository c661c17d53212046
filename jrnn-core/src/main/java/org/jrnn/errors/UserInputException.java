// The one family of "the user can fix this" failures: a bad data file, model file, architecture or option.
// The CLI prints its message as one line and exits 2; anything that is not a UserInputException is a jrnn
// bug or an environment failure (disk full, out of memory) and is reported as such, never as bad input.
package org.jrnn.errors;

import java.util.function.Function;

/**
 * A problem with what the user supplied. {@link #getMessage()} is one line naming where and what, with
 * settings named as the library API spells them; {@link #message(Function)} spells them a front end's
 * way (the CLI's flags), for the subtypes that name settings ({@link InvalidOptionException}, and data
 * files whose hint says which setting to change).
 */
public class UserInputException extends RuntimeException {

    public UserInputException(String message) {
        this(message, null);
    }

    public UserInputException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** This message with each setting spelled by {@code spelling}; subtypes that name settings override it. */
    public String message(Function<String, String> spelling) {
        return getMessage();
    }

    /** Messages are printed on one line: newlines inside them become spaces (the CLI's other errors too). */
    public static String oneLine(String s) {
        return s == null ? "unknown problem" : s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }
}
