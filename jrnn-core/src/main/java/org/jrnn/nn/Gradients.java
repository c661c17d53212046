package org.jrnn.nn;

/**
 * Where backward passes add parameter gradients. The default writes into {@link Param#grad};
 * a training thread working on a shard of the batch supplies its own buffers, summed later.
 */
@FunctionalInterface
public interface Gradients {
    float[] of(Param p);

    Gradients PARAMS = p -> p.grad;
}
