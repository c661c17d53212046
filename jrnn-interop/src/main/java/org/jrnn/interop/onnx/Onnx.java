// The ONNX messages jrnn reads and writes, as plain records, and their protobuf encoding. Field numbers
// are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
// ValueInfoProto, TypeProto). Only float32 and int64/int32 tensors stored in the file are understood:
// external data, sparse tensors and subgraphs are refused by name, never followed.
package org.jrnn.interop.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ONNX model structure (the subset jrnn uses) with {@link #encode} and bounded {@link #decode}. */
final class Onnx {
    private Onnx() {}

    /** TensorProto.DataType values. */
    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;

    /** AttributeProto.AttributeType values. */
    static final int A_FLOAT = 1;
    static final int A_INT = 2;
    static final int A_STRING = 3;
    static final int A_TENSOR = 4;
    static final int A_FLOATS = 6;
    static final int A_INTS = 7;
    static final int A_STRINGS = 8;

    /** Elements one tensor may hold: 1 GiB of float32, as a .jrnn file's weights. */
    static final long MAX_ELEMENTS = 1L << 28;

    /**
     * A tensor: float32 values in {@code floats}, or integer values (int64, int32, bool) in {@code longs};
     * {@code dataType} as the file says.
     */
    record Tensor(String name, long[] dims, int dataType, float[] floats, long[] longs) {
        static Tensor floats(String name, float[] v, long... dims) {
            return new Tensor(name, dims, FLOAT, v, null);
        }

        static Tensor longs(String name, long[] v, long... dims) {
            return new Tensor(name, dims, INT64, null, v);
        }

        long size() {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }
    }

    record Attribute(String name, int type, float f, long i, String s, Tensor t, long[] ints, float[] floats, List<String> strings) {
        static Attribute ofInt(String name, long v) {
            return new Attribute(name, A_INT, 0, v, null, null, null, null, null);
        }

        static Attribute ofInts(String name, long... v) {
            return new Attribute(name, A_INTS, 0, 0, null, null, v, null, null);
        }

        static Attribute ofFloat(String name, float v) {
            return new Attribute(name, A_FLOAT, v, 0, null, null, null, null, null);
        }

        static Attribute ofString(String name, String v) {
            return new Attribute(name, A_STRING, 0, 0, v, null, null, null, null);
        }

        static Attribute ofTensor(String name, Tensor v) {
            return new Attribute(name, A_TENSOR, 0, 0, null, v, null, null, null);
        }
    }

    /** A node; an empty input name is an absent optional input, as in ONNX. */
    record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs, Map<String, Attribute> attributes) {
        Attribute attr(String n) {
            return attributes.get(n);
        }
    }

    /** A graph input or output: element type and dimensions (a Long, or a String for a named dynamic axis). */
    record ValueInfo(String name, int elemType, List<Object> dims) {}

    record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs, List<ValueInfo> outputs) {}

    record Model(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion, Graph graph,
                 Map<String, String> metadata) {}

    // ---------------------------------------------------------------- encoding

    static byte[] encode(Model m) {
        Proto.Writer w = new Proto.Writer().int64(1, m.irVersion());
        if (m.producerName() != null) w.string(2, m.producerName());
        if (m.producerVersion() != null) w.string(3, m.producerVersion());
        w.message(7, graph(m.graph()));
        for (Map.Entry<String, Long> e : m.opsets().entrySet()) {
            w.message(8, new Proto.Writer().string(1, e.getKey()).int64(2, e.getValue()));
        }
        for (Map.Entry<String, String> e : m.metadata().entrySet()) {
            w.message(14, new Proto.Writer().string(1, e.getKey()).string(2, e.getValue()));
        }
        return w.toByteArray();
    }

    private static Proto.Writer graph(Graph g) {
        Proto.Writer w = new Proto.Writer();
        for (Node n : g.nodes()) w.message(1, node(n));
        w.string(2, g.name());
        for (Tensor t : g.initializers()) w.message(5, tensor(t));
        for (ValueInfo v : g.inputs()) w.message(11, valueInfo(v));
        for (ValueInfo v : g.outputs()) w.message(12, valueInfo(v));
        return w;
    }

    private static Proto.Writer node(Node n) {
        Proto.Writer w = new Proto.Writer();
        for (String i : n.inputs()) w.string(1, i);
        for (String o : n.outputs()) w.string(2, o);
        w.string(3, n.name()).string(4, n.opType());
        for (Attribute a : n.attributes().values()) w.message(5, attribute(a));
        if (n.domain() != null && !n.domain().isEmpty()) w.string(7, n.domain());
        return w;
    }

    private static Proto.Writer attribute(Attribute a) {
        Proto.Writer w = new Proto.Writer().string(1, a.name());
        switch (a.type()) {
            case A_FLOAT -> w.float32(2, a.f());
            case A_INT -> w.int64(3, a.i());
            case A_STRING -> w.string(4, a.s());
            case A_TENSOR -> w.message(5, tensor(a.t()));
            case A_INTS -> w.packedInt64(8, a.ints());
            case A_STRINGS -> a.strings().forEach(s -> w.string(9, s));
            default -> throw new IllegalArgumentException("cannot encode attribute type " + a.type());
        }
        return w.int64(20, a.type());
    }

    /** Values as little-endian raw_data, as exporters usually store them. */
    private static Proto.Writer tensor(Tensor t) {
        Proto.Writer w = new Proto.Writer().packedInt64(1, t.dims()).int64(2, t.dataType());
        w.string(8, t.name() == null ? "" : t.name());
        java.nio.ByteBuffer b;
        if (t.dataType() == FLOAT) {
            b = java.nio.ByteBuffer.allocate(4 * t.floats().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float f : t.floats()) b.putFloat(f);
        } else if (t.dataType() == INT64) {
            b = java.nio.ByteBuffer.allocate(8 * t.longs().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (long v : t.longs()) b.putLong(v);
        } else {
            throw new IllegalArgumentException("cannot encode tensor type " + t.dataType());
        }
        return w.bytes(9, b.array());
    }

    private static Proto.Writer valueInfo(ValueInfo v) {
        Proto.Writer shape = new Proto.Writer();
        for (Object d : v.dims()) {
            Proto.Writer dim = new Proto.Writer();
            if (d instanceof Long l) dim.int64(1, l);
            else dim.string(2, (String) d);
            shape.message(1, dim);
        }
        Proto.Writer tensorType = new Proto.Writer().int64(1, v.elemType()).message(2, shape);
        return new Proto.Writer().string(1, v.name()).message(2, new Proto.Writer().message(1, tensorType));
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes a ModelProto. Throws {@link Proto.Malformed} (bad bytes) or {@link Unsupported} (valid but refused). */
    static Model decode(byte[] bytes) {
        Proto.Reader r = new Proto.Reader(bytes, 0, bytes.length);
        long ir = -1;
        Map<String, Long> opsets = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        String producer = null;
        String producerVersion = null;
        Graph g = null;
        while (r.next()) {
            switch (r.field) {
                case 1 -> ir = r.int64();
                case 2 -> producer = r.string();
                case 3 -> producerVersion = r.string();
                case 7 -> g = decodeGraph(r.message());
                case 8 -> {
                    Proto.Reader o = r.message();
                    String domain = "";
                    long version = -1;
                    while (o.next()) {
                        if (o.field == 1) domain = o.string();
                        else if (o.field == 2) version = o.int64();
                        else o.skip();
                    }
                    opsets.put(domain, version);
                }
                case 14 -> {
                    Proto.Reader e = r.message();
                    String k = "";
                    String v = "";
                    while (e.next()) {
                        if (e.field == 1) k = e.string();
                        else if (e.field == 2) v = e.string();
                        else e.skip();
                    }
                    meta.put(k, v);
                }
                case 25 -> throw new Unsupported("the model defines local functions");
                default -> r.skip();
            }
        }
        if (g == null) throw new Proto.Malformed("no graph (not an ONNX model)");
        return new Model(ir, opsets, producer, producerVersion, g, meta);
    }

    private static Graph decodeGraph(Proto.Reader r) {
        List<Node> nodes = new ArrayList<>();
        List<Tensor> inits = new ArrayList<>();
        List<ValueInfo> in = new ArrayList<>();
        List<ValueInfo> out = new ArrayList<>();
        String name = "";
        while (r.next()) {
            switch (r.field) {
                case 1 -> nodes.add(decodeNode(r.message()));
                case 2 -> name = r.string();
                case 5 -> inits.add(decodeTensor(r.message()));
                case 11 -> in.add(decodeValueInfo(r.message()));
                case 12 -> out.add(decodeValueInfo(r.message()));
                case 15 -> throw new Unsupported("the graph has sparse initializers");
                default -> r.skip();
            }
        }
        return new Graph(name, nodes, inits, in, out);
    }

    private static Node decodeNode(Proto.Reader r) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        String name = "";
        String op = "";
        String domain = "";
        while (r.next()) {
            switch (r.field) {
                case 1 -> in.add(r.string());
                case 2 -> out.add(r.string());
                case 3 -> name = r.string();
                case 4 -> op = r.string();
                case 5 -> {
                    Attribute a = decodeAttribute(r.message(), op, name);
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = r.string();
                default -> r.skip();
            }
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    private static Attribute decodeAttribute(Proto.Reader r, String op, String node) {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        Proto.LongList ints = new Proto.LongList();
        List<Float> floats = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        while (r.next()) {
            switch (r.field) {
                case 1 -> name = r.string();
                case 2 -> f = r.float32();
                case 3 -> i = r.int64();
                case 4 -> s = r.string();
                case 5 -> t = decodeTensor(r.message());
                case 6, 11 -> throw new Unsupported("node '" + node + "' (" + op + ") has a subgraph attribute");
                case 7 -> {
                    if (r.wire == Proto.FIXED32) floats.add(r.float32());
                    else r.skip(); // packed float lists: no op jrnn reads uses them
                }
                case 8 -> r.int64s(ints);
                case 9 -> strings.add(r.string());
                case 20 -> type = (int) r.int64();
                default -> r.skip();
            }
        }
        float[] fa = new float[floats.size()];
        for (int k = 0; k < fa.length; k++) fa[k] = floats.get(k);
        return new Attribute(name, type, f, i, s, t, ints.toArray(), fa, strings);
    }

    private static ValueInfo decodeValueInfo(Proto.Reader r) {
        String name = "";
        int elem = 0;
        List<Object> dims = new ArrayList<>();
        while (r.next()) {
            if (r.field == 1) {
                name = r.string();
            } else if (r.field == 2) {
                Proto.Reader type = r.message();
                while (type.next()) {
                    if (type.field != 1) {
                        type.skip();
                        continue;
                    }
                    Proto.Reader tt = type.message();
                    while (tt.next()) {
                        if (tt.field == 1) {
                            elem = (int) tt.int64();
                        } else if (tt.field == 2) {
                            Proto.Reader shape = tt.message();
                            while (shape.next()) {
                                if (shape.field != 1) {
                                    shape.skip();
                                    continue;
                                }
                                Proto.Reader dim = shape.message();
                                Object d = "?";
                                while (dim.next()) {
                                    if (dim.field == 1) d = dim.int64();
                                    else if (dim.field == 2) d = dim.string();
                                    else dim.skip();
                                }
                                dims.add(d);
                            }
                        } else {
                            tt.skip();
                        }
                    }
                }
            } else {
                r.skip();
            }
        }
        return new ValueInfo(name, elem, dims);
    }

    /**
     * A TensorProto. The element count is checked against {@link #MAX_ELEMENTS} and against the bytes that
     * hold the values before any array is allocated.
     */
    static Tensor decodeTensor(Proto.Reader r) {
        Proto.LongList dims = new Proto.LongList();
        int type = 0;
        String name = "";
        int[] raw = null;
        List<int[]> floatData = new ArrayList<>();
        Proto.LongList longData = new Proto.LongList();
        while (r.next()) {
            switch (r.field) {
                case 1 -> r.int64s(dims);
                case 2 -> type = (int) r.int64();
                case 4 -> {
                    if (r.wire == Proto.LEN) floatData.add(r.span());
                    else floatData.add(new int[] {Float.floatToRawIntBits(r.float32()), -1});
                }
                case 5, 7 -> r.int64s(longData);
                case 8 -> name = r.string();
                case 9 -> raw = r.span();
                case 13 -> throw new Unsupported("tensor '" + name + "' keeps its values in an external file");
                case 14 -> {
                    if (r.int64() != 0) throw new Unsupported("tensor '" + name + "' keeps its values in an external file");
                }
                default -> r.skip();
            }
        }
        long[] d = dims.toArray();
        long n = 1;
        for (long x : d) {
            if (x < 0 || x > MAX_ELEMENTS) throw new Proto.Malformed("tensor '" + name + "' has dimension " + x);
            n *= x;
            if (n > MAX_ELEMENTS) throw new Proto.Malformed("tensor '" + name + "' has more than " + MAX_ELEMENTS + " elements");
        }
        int count = (int) n;
        if (type == FLOAT) {
            float[] v;
            if (raw != null) {
                if (raw[1] - raw[0] != 4L * count) throw new Proto.Malformed("tensor '" + name + "' declares " + count + " floats but holds " + (raw[1] - raw[0]) + " bytes");
                v = new float[count];
                java.nio.ByteBuffer.wrap(r.buf, raw[0], raw[1] - raw[0]).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            } else {
                long bytes = 0;
                for (int[] s : floatData) bytes += s[1] < 0 ? 4 : s[1] - s[0];
                if (bytes != 4L * count) throw new Proto.Malformed("tensor '" + name + "' declares " + count + " floats but holds " + bytes + " bytes");
                v = new float[count];
                int k = 0;
                for (int[] s : floatData) {
                    if (s[1] < 0) {
                        v[k++] = Float.intBitsToFloat(s[0]);
                    } else {
                        java.nio.ByteBuffer.wrap(r.buf, s[0], s[1] - s[0]).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v, k, (s[1] - s[0]) / 4);
                        k += (s[1] - s[0]) / 4;
                    }
                }
            }
            return new Tensor(name, d, type, v, null);
        }
        if (type == INT64 || type == INT32 || type == BOOL) {
            long[] v;
            int width = type == INT64 ? 8 : type == INT32 ? 4 : 1;
            if (raw != null) {
                if (raw[1] - raw[0] != (long) width * count) {
                    throw new Proto.Malformed("tensor '" + name + "' declares " + count + " values but holds " + (raw[1] - raw[0]) + " bytes");
                }
                v = new long[count];
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(r.buf, raw[0], raw[1] - raw[0]).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < count; k++) v[k] = width == 8 ? b.getLong() : width == 4 ? b.getInt() : b.get();
            } else {
                if (longData.n != count) throw new Proto.Malformed("tensor '" + name + "' declares " + count + " values but holds " + longData.n);
                v = longData.toArray();
            }
            return new Tensor(name, d, type, null, v);
        }
        // Other types are kept without values; using one is refused where it is used, naming it.
        return new Tensor(name, d, type, null, null);
    }

    /** A well-formed model using something jrnn does not follow (external data, subgraphs, functions). */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }
}
