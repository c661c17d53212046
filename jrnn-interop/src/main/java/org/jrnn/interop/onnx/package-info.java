/**
 * ONNX export ({@link org.jrnn.interop.onnx.OnnxExport}: any jrnn model → an opset-17 graph with masking
 * carried through the RNN ops' {@code sequence_lens}) and import ({@link org.jrnn.interop.onnx.OnnxImport}:
 * graphs exported by {@code torch.onnx.export} from Embedding → RNN/LSTM/GRU → Linear models). The
 * protobuf wire format is hand-written ({@code Proto}, {@code Onnx}); reading is bounded by the file's
 * size. The mappings are documented in docs/FORMAT.md ("ONNX export", "ONNX import").
 */
package org.jrnn.interop.onnx;
