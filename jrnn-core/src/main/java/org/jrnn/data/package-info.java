/**
 * Labelled texts from files: the AG News CSV reader ({@code "class","title","description"}, strict, errors
 * name file and line), {@link org.jrnn.data.TabularReader} for any CSV/TSV with columns chosen by name or
 * index, {@link org.jrnn.data.DataFiles} picking between them, {@link org.jrnn.data.ConllReader} for
 * token-per-line (CoNLL-style) tagged sentences, the small stratified AG News sample
 * embedded in the jar, so {@code jrnn train} works without a download, and the verified, resumable
 * download of the original AG News files into a cache ({@link org.jrnn.data.Download},
 * {@link org.jrnn.data.AgNewsDownload}).
 *
 * <p>Only reading and holding rows; tokenization lives in {@code org.jrnn.text}, batching elsewhere.
 */
package org.jrnn.data;
