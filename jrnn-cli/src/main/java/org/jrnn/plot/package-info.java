/**
 * PNG plots (XChart) of an evaluation report's confusion matrix and a model's training curves.
 * In the CLI module so the core library carries no charting dependency.
 */
package org.jrnn.plot;
