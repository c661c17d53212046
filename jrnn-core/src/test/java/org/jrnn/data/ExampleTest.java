// Example: the text-field rule the anchor uses (title + " " + description) and argument checks.
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ExampleTest {

    @Test
    void textJoinsTitleAndDescriptionWithOneSpace() {
        Example e = new Example(2, "Title (AP)", "AP - body\\text");
        assertThat(e.text(TextField.TITLE)).isEqualTo("Title (AP)");
        assertThat(e.text(TextField.TITLE_AND_DESCRIPTION)).isEqualTo("Title (AP) AP - body\\text");
    }

    @Test
    void rejectsNegativeLabelsAndNullText() {
        assertThatThrownBy(() -> new Example(-1, "t", "d")).hasMessage("label must be >= 0, received: -1");
        assertThatThrownBy(() -> new Example(0, null, "d")).isInstanceOf(IllegalArgumentException.class);
    }
}
