// A data file that cannot be used, with a one-line message a CLI can print as is: "<file>:<line>: <problem>"
// or "<file>: <problem>" for whole-file problems (missing, empty, corrupt gzip). A UserInputException, so
// callers that cannot recover just let it reach the CLI's handler, which prints it as bad input (exit 2).
package org.jrnn.data;

import java.util.function.Function;
import org.jrnn.errors.InvalidOptionException;

import org.jrnn.errors.UserInputException;

/** A bad or missing data file. {@link #getMessage()} is a single line naming the file and, if known, the line. */
public final class DataFormatException extends UserInputException {

    private final String file;
    private final long line;
    private final String problem;
    // Not serialized: a deserialized exception keeps its message (the library spelling).
    private final transient InvalidOptionException.Message hint;

    /** A problem at physical line {@code line} (1-based) of {@code file}. */
    public DataFormatException(String file, long line, String problem) {
        this(file, line, problem, null);
    }

    /** A problem with the whole of {@code file}. */
    public DataFormatException(String file, String problem) {
        this(file, 0, problem, null);
    }

    DataFormatException(String file, long line, String problem, Throwable cause) {
        this(file, line, n -> problem, cause);
    }

    /**
     * A problem whose text names settings ({@code n -> "... choose it with " + n.apply("labelColumn")}),
     * so a front end can name them its own way through {@link #message(Function)}.
     */
    DataFormatException(String file, long line, InvalidOptionException.Message problem, Throwable cause) {
        super(format(file, line, problem.render(Function.identity())), cause);
        this.hint = problem;
        this.file = file;
        this.line = line;
        this.problem = oneLine(problem.render(Function.identity()));
    }

    /** The file as the caller named it. */
    public String file() {
        return file;
    }

    @Override
    public String message(Function<String, String> spelling) {
        return hint == null ? getMessage() : format(file, line, hint.render(spelling));
    }

    /** 1-based physical line, or 0 when the problem concerns the whole file. */
    public long line() {
        return line;
    }

    /** The message without the file and line prefix. */
    public String problem() {
        return problem;
    }

    private static String format(String file, long line, String problem) {
        return line > 0 ? file + ":" + line + ": " + oneLine(problem) : file + ": " + oneLine(problem);
    }
}
