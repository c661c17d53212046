#!/usr/bin/env python3
"""Convert a PyTorch text-classifier state_dict into a jrnn model file (.jrnn, docs/FORMAT.md).

Needs only torch and the standard library; run it with Debian's PyTorch (apt-get install python3-torch):

    /usr/bin/python3 tools/from_pytorch.py --state-dict model.pt --vocab vocab.txt \\
        --classes World,Sports,Business,Sci/Tech --cell lstm --hidden 64 --num-layers 2 --bidirectional \\
        --out model.jrnn

The PyTorch model must have jrnn's structure: an nn.Embedding, then nn.RNN(tanh)/nn.LSTM/nn.GRU
(batch_first or not, any num_layers, optionally bidirectional), optionally mean/max pooling over the
real steps, then nn.Linear layers. Its state_dict keys must be (or be renamed with --rename to)
embedding.weight, rnn.weight_ih_l0[_reverse], ..., fc.weight, fc.bias (extra Linear layers before the
head: fc, fc1, ... in order, the head last). Every tensor's shape is checked against the architecture
before anything is written; the output file is written to a temp file and renamed.

Semantics to match (see docs/FORMAT.md): with mask_zero (default) jrnn runs each sequence over its real
tokens only, as pack_padded_sequence does, and "--head last" takes h_n (bidirectional: cat(h_n[-2], h_n[-1])).
A model trained on padded, unpacked batches wants --no-mask. The vocabulary file has one token per line,
line 1 empty (padding, index 0), line 2 "[UNK]" (index 1), as Keras TextVectorization.get_vocabulary();
texts are standardized by lower-casing ASCII and deleting ASCII punctuation, then split on whitespace.
"""

import argparse
import array
import datetime
import json
import os
import struct
import sys
import tempfile
import zipfile

import torch

FORMAT = "jrnn-model"
FORMAT_VERSION = 1
STANDARDIZE = "lower_and_strip_punctuation"
SPLIT = "whitespace"
PRODUCER = "tools/from_pytorch.py"
CELLS = {"rnn": ("SimpleRNN", 1), "lstm": ("LSTM", 4), "gru": ("GRU", 3)}
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # no wall-clock time in entries: equal models give equal bytes


class ConversionError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Architecture


def architecture_from_args(cell, hidden, num_layers, bidirectional, head, embedding_dim, mask_zero, dense=()):
    """The jrnn architecture (ModelSpec JSON) of Embedding -> num_layers x cell -> head -> Dense* (-> classifier)."""
    if cell not in CELLS:
        raise ConversionError(f"--cell must be one of {', '.join(CELLS)}, received {cell!r}")
    layers = []
    for k in range(num_layers):
        rs = k < num_layers - 1 or head in ("mean", "max")
        layer = {"type": CELLS[cell][0], "units": hidden}
        if rs:
            layer["return_sequences"] = True
        layers.append({"type": "Bidirectional", "layer": layer} if bidirectional else layer)
    if head == "mean":
        layers.append({"type": "GlobalAveragePooling1D"})
    elif head == "max":
        layers.append({"type": "GlobalMaxPooling1D"})
    elif head != "last":
        raise ConversionError(f"--head must be last, mean or max, received {head!r}")
    for units in dense:
        layers.append({"type": "Dense", "units": units})
    return {"embedding_dim": embedding_dim, "mask_zero": mask_zero, "layers": layers}


def expected_shapes(arch, vocab_size, num_classes):
    """State-dict names and shapes jrnn builds for an architecture (mirrors ModelFile.expectedShapes)."""
    shapes = {"embedding.weight": [vocab_size, arch["embedding_dim"]]}
    width = arch["embedding_dim"]
    rnn_index = 0
    dense_index = 0
    layers = list(arch["layers"]) + [{"type": "Dense", "units": num_classes}]
    for i, layer in enumerate(layers):
        t = layer.get("type")
        if t in GATES or t == "Bidirectional":
            inner = layer["layer"] if t == "Bidirectional" else layer
            if inner.get("type") not in GATES:
                raise ConversionError(f"layers[{i}]: Bidirectional wraps SimpleRNN, LSTM or GRU")
            h = inner["units"]
            gh = GATES[inner["type"]] * h
            for suffix in ([""] + (["_reverse"] if t == "Bidirectional" else [])):
                s = f"_l{rnn_index}{suffix}"
                shapes["rnn.weight_ih" + s] = [gh, width]
                shapes["rnn.weight_hh" + s] = [gh, h]
                shapes["rnn.bias_ih" + s] = [gh]
                shapes["rnn.bias_hh" + s] = [gh]
            rnn_index += 1
            merge = layer.get("merge_mode", "concat") if t == "Bidirectional" else None
            width = 2 * h if merge == "concat" else h
        elif t == "Dense":
            prefix = "fc" if dense_index == 0 else f"fc{dense_index}"
            dense_index += 1
            shapes[prefix + ".weight"] = [layer["units"], width]
            shapes[prefix + ".bias"] = [layer["units"]]
            width = layer["units"]
        elif t in ("GlobalAveragePooling1D", "GlobalMaxPooling1D", "Dropout"):
            pass
        else:
            raise ConversionError(f"layers[{i}]: unknown layer type {t!r}")
    return shapes


# --------------------------------------------------------------------------------------------
# Inputs


def load_state_dict(path):
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ConversionError(f"{path}: expected a state_dict (name -> tensor), a Module, or a dict with 'state_dict'")
    return dict(obj)


def rename(state, renames):
    """--rename OLD=NEW replaces a leading module prefix: lstm=rnn maps lstm.weight_ih_l0 to rnn.weight_ih_l0."""
    out = {}
    for name, t in state.items():
        new = name
        for old, repl in renames:
            if name == old or name.startswith(old + "."):
                new = repl + name[len(old):]
                break
        if new in out:
            raise ConversionError(f"two tensors would be named {new!r} after --rename")
        out[new] = t
    return out


def read_vocab(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    if text.endswith("\n"):
        text = text[:-1]
    vocab = text.split("\n")
    check_vocab(vocab, path)
    return vocab


def check_vocab(vocab, where):
    if len(vocab) < 2 or vocab[0] != "" or vocab[1] != "[UNK]":
        raise ConversionError(f"{where}: the vocabulary must start with \"\" (padding) and \"[UNK]\"")
    seen = set()
    for i, tok in enumerate(vocab):
        if (i > 0 and tok == "") or "\n" in tok or "\r" in tok:
            raise ConversionError(f"{where}: entry {i} must be a non-empty token without line breaks")
        if tok in seen:
            raise ConversionError(f"{where}: entry {i} {tok!r} is repeated")
        seen.add(tok)


# --------------------------------------------------------------------------------------------
# Output


def safetensors_bytes(tensors, metadata):
    """safetensors: u64 LE header length, JSON header padded with spaces to 8 bytes, F32 LE data."""
    header = {"__metadata__": metadata}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        values = t.detach().to(torch.float32).contiguous().flatten().tolist()
        data = array.array("f", values)
        if sys.byteorder != "little":
            data.byteswap()
        raw = data.tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(chunks)


def write_model(out, config, vocab, tensors):
    metadata = {"format": "pt", "producer": config.get("producer", PRODUCER)}
    entries = [
        ("config.json", (json.dumps(config, indent=2) + "\n").encode("utf-8")),
        ("vocab.txt", ("\n".join(vocab) + "\n").encode("utf-8")),
        ("weights.safetensors", safetensors_bytes(tensors, metadata)),
    ]
    folder = os.path.dirname(os.path.abspath(out))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a model file is an ordinary file
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def convert(state, vocab, class_names, arch, out, text="title+description", max_tokens=None, created=None, training=None):
    """Checks every tensor against the architecture and writes the .jrnn file. Returns the config dict."""
    check_vocab(vocab, "vocabulary")
    if len(class_names) < 2 or len(set(class_names)) != len(class_names) or "" in class_names:
        raise ConversionError("class names must be at least 2, distinct and non-empty")
    if text not in ("title", "title+description"):
        raise ConversionError(f"--text must be title or title+description, received {text!r}")
    expected = expected_shapes(arch, len(vocab), len(class_names))
    for name, shape in expected.items():
        if name not in state:
            raise ConversionError(f"missing tensor {name} {shape}; the state_dict has {', '.join(state)} (use --rename?)")
        if list(state[name].shape) != shape:
            raise ConversionError(f"tensor {name} has shape {list(state[name].shape)} but the architecture needs {shape}")
        if not torch.isfinite(state[name]).all():
            raise ConversionError(f"tensor {name} holds NaN or infinite values")
    extra = [n for n in state if n not in expected]
    if extra:
        raise ConversionError(f"unexpected tensors {', '.join(extra)} for this architecture (expected {', '.join(expected)})")
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "producer": f"{PRODUCER} (torch {torch.__version__})",
        "architecture": arch,
        "vectorizer": {
            "max_tokens": max(max_tokens or len(vocab), len(vocab)),
            "vocab_size": len(vocab),
            "text": text,
            "standardize": STANDARDIZE,
            "split": SPLIT,
        },
        "num_classes": len(class_names),
        "class_names": list(class_names),
    }
    if training:
        config["training"] = training
    write_model(out, config, vocab, {n: state[n] for n in expected})
    return config


# --------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(description="Convert a PyTorch state_dict into a jrnn .jrnn model file.")
    p.add_argument("--state-dict", required=True, help="torch.save'd state_dict (or Module, or {'state_dict': ...})")
    p.add_argument("--vocab", required=True, help="vocabulary, one token per line; line 1 empty, line 2 [UNK]")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--classes", help="class names in label order, comma-separated")
    g.add_argument("--classes-file", help="class names in label order, one per line")
    p.add_argument("--architecture", help="jrnn architecture JSON (file or inline); replaces --cell ... --dense")
    p.add_argument("--cell", choices=sorted(CELLS), help="recurrent cell: rnn (tanh), lstm or gru")
    p.add_argument("--hidden", type=int, help="hidden size H")
    p.add_argument("--num-layers", type=int, default=1)
    p.add_argument("--bidirectional", action="store_true")
    p.add_argument("--head", default="last", choices=["last", "mean", "max"],
                   help="last: h_n; mean/max: pooled over the real steps of the last layer's output")
    p.add_argument("--dense", type=int, action="append", default=[],
                   help="units of a Linear layer between the recurrent part and the head (repeatable, in order)")
    p.add_argument("--no-mask", action="store_true", help="the model ran over padding (no packing)")
    p.add_argument("--text", default="title+description", choices=["title", "title+description"])
    p.add_argument("--max-tokens", type=int, help="TextVectorization max_tokens (default: the vocabulary size)")
    p.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                   help="rename a module prefix, e.g. lstm=rnn, classifier=fc (repeatable)")
    p.add_argument("--created", help="ISO-8601 UTC creation time to record (default: now)")
    p.add_argument("--out", required=True, help="output .jrnn file")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    try:
        state = load_state_dict(a.state_dict)
        renames = []
        for r in a.rename:
            if "=" not in r:
                raise ConversionError(f"--rename expects OLD=NEW, received {r!r}")
            renames.append(tuple(r.split("=", 1)))
        state = rename(state, renames)
        vocab = read_vocab(a.vocab)
        if a.classes is not None:
            classes = [c.strip() for c in a.classes.split(",")]
        else:
            with open(a.classes_file, encoding="utf-8") as f:
                classes = [line.rstrip("\n") for line in f if line.strip()]
        if "embedding.weight" not in state:
            raise ConversionError("no embedding.weight in the state_dict (use --rename, e.g. emb=embedding)")
        if a.architecture:
            src = a.architecture
            arch = json.loads(open(src, encoding="utf-8").read() if os.path.exists(src) else src)
        else:
            if a.cell is None or a.hidden is None:
                raise ConversionError("give --architecture, or --cell and --hidden")
            arch = architecture_from_args(a.cell, a.hidden, a.num_layers, a.bidirectional, a.head,
                                          int(state["embedding.weight"].shape[1]), not a.no_mask, a.dense)
        convert(state, vocab, classes, arch, a.out, text=a.text, max_tokens=a.max_tokens, created=a.created)
    except (ConversionError, OSError, ValueError) as e:
        print(f"from_pytorch.py: error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
