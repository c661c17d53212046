// Which part of an Example feeds the model; the anchor's rnn_titles preset uses TITLE, the others both.
package org.jrnn.data;

/** Text fields of an {@link Example}; see {@link Example#text(TextField)}. */
public enum TextField {
    TITLE,
    TITLE_AND_DESCRIPTION
}
