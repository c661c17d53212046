package org.jrnn.cli;

import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;

/** Parsing of option values shared by several commands, with messages that list what is accepted. */
final class Options {
    private Options() {}

    static TextField textField(String s) {
        return switch (s) {
            case "title" -> TextField.TITLE;
            case "title+description", "full" -> TextField.TITLE_AND_DESCRIPTION;
            default -> throw new IllegalArgumentException("--text must be 'title' or 'title+description', received: " + s);
        };
    }

    static TextVectorizer.TieOrder ties(String s) {
        return switch (s) {
            case "first" -> TextVectorizer.TieOrder.FIRST_APPEARANCE;
            case "keras" -> TextVectorizer.TieOrder.KERAS;
            default -> throw new IllegalArgumentException("--vocab-ties must be 'first' or 'keras', received: " + s);
        };
    }

    static boolean lazyEmbedding(String s) {
        return switch (s) {
            case "dense" -> false;
            case "lazy" -> true;
            default -> throw new IllegalArgumentException("--embedding-adam must be 'dense' or 'lazy', received: " + s);
        };
    }
}
