package org.jrnn.kernels;

// JMH microbenchmarks of the kernels, scalar vs vector, on the shapes training uses. Built only
// with the Maven profile `jmh` (src/jmh/java is not part of the normal build):
//
//   mvn -B -q -Pjmh package -DskipTests
//   java -jar target/jmh-benchmarks.jar KernelsBench -f 1 -wi 3 -i 5
//   java -jar target/jmh-benchmarks.jar KernelsBench -p kernels=vector128,vector256,vector512   # widths
//
// The ":flops" secondary result is in ops/ns, i.e. GFLOPS (2·n·k·g per product); ":elements"
// (Adam) is in 10⁹ elements/s. Forks get --add-modules jdk.incubator.vector themselves. No timing
// asserts anywhere: this only measures.

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KernelsBench {

    /** Which implementation: scalar, vector (preferred width) or vector128/256/512. */
    @State(Scope.Thread)
    public static class Impl {
        @Param({"scalar", "vector"})
        public String kernels;
        Kernels k;

        @Setup
        public void setup() {
            k = switch (kernels) {
                case "scalar" -> new ScalarKernels();
                case "vector" -> new VectorKernels();
                case "vector128" -> new VectorKernels(128);
                case "vector256" -> new VectorKernels(256);
                case "vector512" -> new VectorKernels(512);
                default -> throw new IllegalArgumentException("kernels: scalar, vector, vector128/256/512; received: " + kernels);
            };
        }
    }

    /**
     * Shapes "n,k,g" from training: 600,64,16 the rnn_masked input projection (600 tokens,
     * embed 64, 16 gate units); 16,16,16 one recurrent step; 600,128,256 the bilstm input
     * projection (4·64 gates); 16,64,256 one bilstm recurrent step.
     */
    @State(Scope.Thread)
    public static class Shape {
        @Param({"600,64,16", "16,16,16", "600,128,256", "16,64,256"})
        public String nkg;
        int n;
        int k;
        int g;
        long flops;
        float[] a;   // (n, k) input, or dA
        float[] w;   // (g, k) weight, or dW
        float[] c;   // (n, g) output, or dC

        @Setup
        public void setup() {
            String[] p = nkg.split(",");
            n = Integer.parseInt(p[0].trim());
            k = Integer.parseInt(p[1].trim());
            g = Integer.parseInt(p[2].trim());
            flops = 2L * n * k * g;
            SplittableRandom rng = new SplittableRandom(42);
            a = random(n * k, rng);
            w = random(g * k, rng);
            c = random(n * g, rng);
        }
    }

    /** GFLOPS as a secondary result (ops/ns). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flops;

        @Setup(Level.Iteration)
        public void reset() {
            flops = 0;
        }
    }

    /** Adam over 1,280,000 floats (an embedding of 20,000 × 64), Keras variant. */
    @State(Scope.Thread)
    public static class AdamState {
        static final int SIZE = 1_280_000;
        float[] w;
        float[] g;
        float[] m;
        float[] v;

        @Setup
        public void setup() {
            SplittableRandom rng = new SplittableRandom(7);
            w = random(SIZE, rng);
            g = random(SIZE, rng);
            m = new float[SIZE];
            v = new float[SIZE];
        }
    }

    /** Elements per ns as a secondary result. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Elements {
        public long elements;

        @Setup(Level.Iteration)
        public void reset() {
            elements = 0;
        }
    }

    @Benchmark
    public void matmulABt(Impl impl, Shape s, Flops f) {
        impl.k.matmulABt(s.a, 0, s.w, 0, s.c, 0, s.n, s.k, s.g);
        f.flops += s.flops;
    }

    @Benchmark
    public void matmulAB(Impl impl, Shape s, Flops f) {
        impl.k.matmulAB(s.c, 0, s.w, 0, s.a, 0, s.n, s.k, s.g);
        f.flops += s.flops;
    }

    @Benchmark
    public void matmulAtB(Impl impl, Shape s, Flops f) {
        impl.k.matmulAtB(s.c, 0, s.a, 0, s.w, 0, s.n, s.k, s.g);
        f.flops += s.flops;
    }

    @Benchmark
    public void adam(Impl impl, AdamState s, Elements e) {
        impl.k.adamUpdate(s.w, s.g, s.m, s.v, 0, AdamState.SIZE, 0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999),
                1e-3f, 1e-7f, true, 1f);
        e.elements += AdamState.SIZE;
    }

    static float[] random(int size, SplittableRandom rng) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (rng.nextDouble() * 2 - 1);
        return x;
    }
}
