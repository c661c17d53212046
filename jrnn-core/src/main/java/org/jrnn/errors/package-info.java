/**
 * The error family every package shares: {@link org.jrnn.errors.UserInputException} and its
 * subtypes (bad data, bad model files, bad architectures, bad options). Depends on nothing.
 */
package org.jrnn.errors;
