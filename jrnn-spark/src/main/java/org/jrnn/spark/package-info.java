/**
 * jrnn on Apache Spark: {@link org.jrnn.spark.JrnnClassificationModel} scores a DataFrame with a
 * {@code .jrnn} model (one classifier per executor JVM, packed batches), {@link org.jrnn.spark.JrnnClassifier}
 * trains one by synchronous local SGD, {@link org.jrnn.spark.Score} is the {@code spark-submit} entry
 * point. Uses jrnn-core's public API only; nothing here is visible to jrnn-core.
 */
package org.jrnn.spark;
