package org.jrnn.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InvalidOptionExceptionTest {
    static final Map<String, String> FLAGS = Map.of("testFile", "--test", "trainFile", "--train");

    @Test
    void theLibraryMessageUsesItsOwnNamesAFrontEndItsSpelling() {
        InvalidOptionException e = new InvalidOptionException(n -> n.apply("testFile") + " needs " + n.apply("trainFile"));
        assertThat(e).isInstanceOf(UserInputException.class).hasMessage("testFile needs trainFile");
        assertThat(e.message(n -> FLAGS.getOrDefault(n, n))).isEqualTo("--test needs --train");
    }

    @Test
    void oneSettingAndPlainMessages() {
        InvalidOptionException e = InvalidOptionException.of("epochs", "must be >= 1, received: 0");
        assertThat(e).hasMessage("epochs must be >= 1, received: 0");
        assertThat(e.message(n -> "--" + n)).isEqualTo("--epochs must be >= 1, received: 0");
        // A value the user typed is plain text: spelling never touches it, even when it looks like a name.
        InvalidOptionException typed = InvalidOptionException.of("delimiter", "received: trainFile");
        assertThat(typed.message(n -> FLAGS.getOrDefault(n, "?" + n))).isEqualTo("?delimiter received: trainFile");
        InvalidOptionException plain = new InvalidOptionException("unknown preset 'x'");
        assertThat(plain.message(n -> "--" + n)).isEqualTo("unknown preset 'x'");
    }

    @Test
    void messagesAreOneLine() {
        InvalidOptionException e = InvalidOptionException.of("text", "bad\nvalue\r\nhere");
        assertThat(e.getMessage()).isEqualTo("text bad value here");
        assertThat(e.message(n -> "--" + n)).isEqualTo("--text bad value here");
    }
}
