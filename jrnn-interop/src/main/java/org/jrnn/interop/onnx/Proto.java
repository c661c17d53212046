// The protobuf wire format, the little of it ONNX files need: varints, fixed32/64 and length-delimited
// fields (https://protobuf.dev/programming-guides/encoding/). Hand-written rather than protobuf-java plus
// generated ONNX classes: seven messages, and the reader checks every length against the bytes that are
// actually there before it allocates anything, so a crafted file fails in one line instead of an OOM.
package org.jrnn.interop.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Protobuf encoding ({@link Writer}) and bounded decoding ({@link Reader}) of one message. */
final class Proto {
    private Proto() {}

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    /** Builds one message; nested messages are built by their own Writer and added as bytes. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        private void tag(int field, int wire) {
            varint(((long) field << 3) | wire);
        }

        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        Writer int64(int field, long v) {
            tag(field, VARINT);
            varint(v);
            return this;
        }

        Writer string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(int field, byte[] b) {
            tag(field, LEN);
            varint(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        Writer message(int field, Writer m) {
            return bytes(field, m.toByteArray());
        }

        Writer float32(int field, float f) {
            tag(field, FIXED32);
            int bits = Float.floatToRawIntBits(f);
            for (int i = 0; i < 4; i++) out.write(bits >>> (8 * i));
            return this;
        }

        /** A packed repeated int64 field (proto3's default for repeated scalars). */
        Writer packedInt64(int field, long[] values) {
            Writer w = new Writer();
            for (long v : values) w.varint(v);
            return bytes(field, w.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }

    /**
     * Reads the fields of one message from {@code buf[from, to)}. Every length is checked against the
     * bytes left before it is used; failures throw {@link Malformed} with the byte offset.
     */
    static final class Reader {
        final byte[] buf;
        private int pos;
        private final int end;
        int field;
        int wire;

        Reader(byte[] buf, int from, int to) {
            this.buf = buf;
            this.pos = from;
            this.end = to;
        }

        /** Advances to the next field; false at the end of the message. */
        boolean next() {
            if (pos >= end) return false;
            long key = varint();
            field = (int) (key >>> 3);
            wire = (int) (key & 7);
            if (field < 1 || key >>> 3 > Integer.MAX_VALUE) throw new Malformed("invalid field number at byte " + pos);
            return true;
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new Malformed("truncated varint at byte " + pos);
                byte b = buf[pos++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) return v;
            }
            throw new Malformed("varint longer than 10 bytes at byte " + pos);
        }

        /** The current field's value as a varint (wire type 0). */
        long int64() {
            expect(VARINT);
            return varint();
        }

        float float32() {
            expect(FIXED32);
            need(4);
            int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        /** The current length-delimited field as [start, end) offsets into {@link #buf}; the reader moves past it. */
        int[] span() {
            expect(LEN);
            long n = varint();
            if (n < 0 || n > end - pos) throw new Malformed("a field of " + n + " bytes at byte " + pos + " runs past its message (" + (end - pos) + " left)");
            int s = pos;
            pos += (int) n;
            return new int[] {s, pos};
        }

        Reader message() {
            int[] s = span();
            return new Reader(buf, s[0], s[1]);
        }

        String string() {
            int[] s = span();
            return new String(buf, s[0], s[1] - s[0], StandardCharsets.UTF_8);
        }

        /** A repeated int64 field, packed (LEN) or one value (VARINT); appends to {@code into}. */
        void int64s(LongList into) {
            if (wire == VARINT) {
                into.add(varint());
                return;
            }
            Reader r = message();
            while (r.pos < r.end) into.add(r.varint());
        }

        void skip() {
            switch (wire) {
                case VARINT -> varint();
                case FIXED64 -> {
                    need(8);
                    pos += 8;
                }
                case LEN -> span();
                case FIXED32 -> {
                    need(4);
                    pos += 4;
                }
                default -> throw new Malformed("unsupported wire type " + wire + " at byte " + pos);
            }
        }

        private void need(int n) {
            if (end - pos < n) throw new Malformed("truncated field at byte " + pos);
        }

        private void expect(int w) {
            if (wire != w) throw new Malformed("field " + field + " has wire type " + wire + ", expected " + w + " (byte " + pos + ")");
        }
    }

    /** A growable long array whose growth is bounded by the bytes that encode it. */
    static final class LongList {
        long[] a = new long[4];
        int n;

        void add(long v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, 2 * n);
            a[n++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    /** Bytes that are not a valid protobuf message; the message names the offset. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }
}
