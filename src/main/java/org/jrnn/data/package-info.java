/**
 * AG News examples: the CSV reader ({@code "class","title","description"}, strict, errors name file and line)
 * and the small stratified sample embedded in the jar, so {@code jrnn train} works without a download.
 *
 * <p>Only reading and holding rows; tokenization lives in {@code org.jrnn.text}, batching elsewhere.
 */
package org.jrnn.data;
