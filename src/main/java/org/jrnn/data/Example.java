// One AG News row: a 0-based label and the two text fields, untouched (backslashes, "#39;" escapes kept).
// Deliberately plain data; turning text into ids is org.jrnn.text's job.
package org.jrnn.data;

/** A labelled news item. {@code label} is 0-based: CSV class 1..4 becomes 0..3 (World, Sports, Business, Sci/Tech). */
public record Example(int label, String title, String description) {

    public Example {
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, received: " + label);
        }
        if (title == null || description == null) {
            throw new IllegalArgumentException("title and description must not be null");
        }
    }

    /** The model input: the title alone, or title + " " + description (the anchor's and the lesson's rule). */
    public String text(TextField field) {
        return switch (field) {
            case TITLE -> title;
            case TITLE_AND_DESCRIPTION -> title + " " + description;
        };
    }
}
