// A setting the user chose is out of range or contradicts another one. The library names settings as its
// own API spells them ("epochs", "valSplit"); a front end that has other names for them (the CLI's
// "--epochs", "--val-split") renders the same message with its spelling through message(Function), so a
// rule is written once and neither side prints the other's vocabulary.
package org.jrnn.errors;

import java.util.Objects;
import java.util.function.Function;

/** A bad option or config value; {@link #getMessage()} names the settings as the library API spells them. */
public class InvalidOptionException extends UserInputException {

    /** Builds the message from a spelling of setting names (the identity gives the library's own message). */
    @FunctionalInterface
    public interface Message {
        String render(Function<String, String> name);
    }

    // Not serialized: a deserialized exception keeps its message (the library spelling).
    private final transient Message message;

    /**
     * A message that names settings: {@code n -> n.apply("testFile") + " needs " + n.apply("trainFile")}.
     * Values the user typed go into the message as plain text, never through {@code n}.
     */
    public InvalidOptionException(Message message) {
        super(Objects.requireNonNull(message).render(Function.identity()));
        this.message = message;
    }

    /** A problem with one setting: {@code "<setting> <problem>"}, e.g. {@code epochs must be >= 1, received: 0}. */
    public static InvalidOptionException of(String setting, String problem) {
        return new InvalidOptionException(n -> n.apply(setting) + " " + problem);
    }

    /** A message that names no setting by its API name (e.g. "unknown preset 'x', expected one of ..."). */
    public InvalidOptionException(String message) {
        super(message);
        this.message = n -> getMessage();
    }

    /** The message with each setting spelled by {@code spelling} (setting name in, the front end's word out). */
    @Override
    public String message(Function<String, String> spelling) {
        return message == null ? getMessage() : oneLine(message.render(spelling));
    }
}
