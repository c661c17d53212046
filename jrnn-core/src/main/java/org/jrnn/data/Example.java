// One labelled row: a 0-based label and the two text fields, untouched (backslashes, "#39;" escapes kept).
// AG News gives title and description; a table gives its first text column and the others joined (see
// TabularReader). The label indexes a class-name list held by the Dataset. Deliberately plain data;
// turning text into ids is org.jrnn.text's job.
package org.jrnn.data;

/**
 * A labelled text. {@code label} is 0-based and indexes the {@link Dataset#classNames()} of the file it came from;
 * for AG News, CSV class 1..4 becomes 0..3 (World, Sports, Business, Sci/Tech).
 */
public record Example(int label, String title, String description) {

    public Example {
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, received: " + label);
        }
        if (title == null || description == null) {
            throw new IllegalArgumentException("title and description must not be null");
        }
    }

    /**
     * The model input: the title alone, or title + " " + description (the anchor's and the lesson's rule);
     * just the title when the description is empty (same tokens, no trailing space: a one-column table
     * has no description).
     */
    public String text(TextField field) {
        return switch (field) {
            case TITLE -> title;
            case TITLE_AND_DESCRIPTION -> description.isEmpty() ? title : title + " " + description;
        };
    }
}
