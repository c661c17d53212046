package org.jrnn.cli;

import org.jrnn.data.TextField;
import org.jrnn.errors.UserInputException;
import org.jrnn.text.TextVectorizer;

/** Parsing of option values shared by several commands; bad values are user input, with messages that list what is accepted. */
final class Options {
    private Options() {}

    static TextField textField(String s) {
        return switch (s) {
            case "title" -> TextField.TITLE;
            case "title+description", "full" -> TextField.TITLE_AND_DESCRIPTION;
            default -> throw new UserInputException("--text must be 'title' or 'title+description', received: " + s);
        };
    }

    static TextVectorizer.TieOrder ties(String s) {
        return switch (s) {
            case "first" -> TextVectorizer.TieOrder.FIRST_APPEARANCE;
            case "keras" -> TextVectorizer.TieOrder.KERAS;
            default -> throw new UserInputException("--vocab-ties must be 'first' or 'keras', received: " + s);
        };
    }

    static boolean lazyEmbedding(String s) {
        return switch (s) {
            case "dense" -> false;
            case "lazy" -> true;
            default -> throw new UserInputException("--embedding-adam must be 'dense' or 'lazy', received: " + s);
        };
    }
}
