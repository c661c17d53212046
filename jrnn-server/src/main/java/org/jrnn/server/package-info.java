/**
 * {@code jrnn serve}: an HTTP server for {@code .jrnn} models (classifiers, taggers, language models)
 * speaking the Open Inference Protocol v2 REST (KServe v2) with Triton's generate extension, plus a
 * Hugging Face style {@code /predictions/{name}} route, with on-the-fly batching for classifiers
 * ({@link org.jrnn.serve.BatchingClassifier}), a bounded work queue for taggers and generation
 * ({@code WorkQueue}), limits against abuse, Prometheus metrics, hot
 * reload and graceful shutdown. {@link org.jrnn.server.JrnnServer} is the entry point, for the CLI and
 * for a Java service embedding it. Built on Jetty 12 core handlers (no servlets); everything above
 * Jetty's request/response is here, the numerics are jrnn-core's.
 */
package org.jrnn.server;
