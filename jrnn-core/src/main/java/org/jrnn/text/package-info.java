/**
 * Text to token ids, with Keras {@code TextVectorization} defaults: standardize (ASCII lower-case, strip
 * punctuation), split on ASCII whitespace, a count-ordered vocabulary with 0 = padding and 1 = OOV.
 *
 * <p>Matches the PyTorch anchor ({@code shared/anchors/pytorch/README.md}, "Vectorization") token for token,
 * so vocabularies and ids can be compared with it. Files: the plain vocabulary list, and pretrained word
 * vectors ({@link org.jrnn.text.WordVectors}: GloVe, word2vec text and binary) read onto a vocabulary.
 */
package org.jrnn.text;
