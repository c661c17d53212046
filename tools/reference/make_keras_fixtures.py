#!/usr/bin/env python3
"""Keras model fixtures for jrnn's Keras import (jrnn-interop/src/test/resources/keras/), without Keras.

Rerun from the repository root with Debian's h5py, NumPy and PyTorch (apt-get install python3-h5py python3-torch):
    /usr/bin/python3 tools/reference/make_keras_fixtures.py

Keras and TensorFlow cannot be installed here, so this script writes the files in the layouts Keras itself
writes (docs/FORMAT.md, "Keras import", names the Keras source of each) with seeded random weights:
  - NAME.keras: Keras 3 (saving_lib.py): a zip of metadata.json, config.json, model.weights.h5 (groups
    layers/<snake_case class name>[_k]/vars/0.., a recurrent layer's weights under .../cell/vars, a
    Bidirectional's under .../forward_layer/cell/vars and .../backward_layer/cell/vars, every vars group with
    the attribute name=<layer name>) and, for TextVectorization, assets/layers/text_vectorization/vocabulary.txt.
  - NAME.h5: Keras 2 / tf.keras full model (legacy_h5_format.py): root attributes keras_version, backend,
    model_config (JSON); model_weights with attributes layer_names, backend, keras_version; one group per
    layer with attribute weight_names, datasets model_weights/<layer>/<weight name> ("lstm/lstm_cell/kernel:0").
and NAME.expected.json: batches of token ids (unpadded: each text alone, as Keras would see a batch of one;
padded: post-padded with 0 to a common length) and the class probabilities an independent NumPy
implementation of the Keras layer math computes in float64 from the float32 weights in the files.
The NumPy math is cross-checked against torch.nn.RNN/LSTM/GRU (weights converted as jrnn converts them)
wherever the two formulas coincide; the script fails if they disagree. Deterministic (fixed seeds).
"""

import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "jrnn-interop", "src", "test", "resources", "keras")
MAGIC = "jrnn-keras-fixture"
FORMAT_VERSION = 1
RERUN = "/usr/bin/python3 tools/reference/make_keras_fixtures.py"
KERAS3_VERSION = "3.16.0"   # the keras-team/keras source these layouts were read from
KERAS2_VERSION = "2.15.0"   # tf.keras's last Keras 2
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

VOCAB = ["", "[UNK]", "the", "a", "of", "to", "in", "and", "team", "wins", "match", "goal", "season",
         "market", "shares", "stocks", "profit", "bank", "oil", "prices", "election", "minister",
         "president", "talks"]
V, E, K = len(VOCAB), 6, 3
# Token batches: lengths 1..7; zeros only as trailing padding (what TextVectorization produces).
SEQUENCES = [[2, 8, 9, 10], [13, 14, 15, 16, 17, 18, 19], [20], [1, 1, 21, 22, 23], [11, 12], [3, 4, 5, 6, 7, 2]]
PAD_TO = 8


# ----------------------------------------------------------------------------- NumPy Keras math

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACT = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": lambda x: np.maximum(x, 0), "linear": lambda x: x}


def cell_step(kind, w, x, h, c, units):
    """One Keras cell step (lstm.py LSTMCell, gru.py GRUCell reset_after, simple_rnn.py SimpleRNNCell)."""
    if kind == "SimpleRNN":
        return np.tanh(x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]), c
    if kind == "LSTM":
        z = x @ w["kernel"] + h @ w["recurrent_kernel"] + w["bias"]  # columns i|f|c|o
        i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    if kind == "GRU":  # reset_after=True: bias (2, 3H) = [input bias; recurrent bias], columns z|r|h
        xz = x @ w["kernel"] + w["bias"][0]
        hz = h @ w["recurrent_kernel"] + w["bias"][1]
        s = lambda a, k: a[:, k * units:(k + 1) * units]  # noqa: E731
        z = sigmoid(s(xz, 0) + s(hz, 0))
        r = sigmoid(s(xz, 1) + s(hz, 1))
        hh = np.tanh(s(xz, 2) + r * s(hz, 2))
        return z * h + (1 - z) * hh, c
    raise ValueError(kind)


def rnn(kind, w, units, x, mask, go_backwards, return_sequences, zero_output_for_mask):
    """Keras' RNN loop (backend rnn()): masked steps keep the previous state and output (or output zeros)."""
    b, t, _ = x.shape
    if go_backwards:
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    h = np.zeros((b, units))
    c = np.zeros((b, units))
    out_prev = np.zeros((b, units))
    outs = []
    for s in range(t):
        h_new, c_new = cell_step(kind, w, x[:, s], h, c, units)
        if mask is None:
            h, c, out = h_new, c_new, h_new
        else:
            m = mask[:, s:s + 1]
            h = np.where(m, h_new, h)
            c = np.where(m, c_new, c)
            out = np.where(m, h_new, 0.0 if zero_output_for_mask else out_prev)
        outs.append(out)
        out_prev = out
    if return_sequences:
        return np.stack(outs, axis=1)  # in processing order: reversed time for go_backwards (Keras)
    return out_prev


def forward(model, weights, ids):
    """Class probabilities of the Keras model on int ids (B, T), float64."""
    ids = np.asarray(ids)
    x = None
    mask = None
    for layer in model:
        kind = layer["class"]
        w = weights.get(layer["name"])
        if kind == "Embedding":
            x = w["embeddings"][ids]
            mask = ids != 0 if layer["mask_zero"] else None
        elif kind in ("SimpleRNN", "LSTM", "GRU"):
            x = rnn(kind, w, layer["units"], x, mask, layer.get("go_backwards", False), layer["return_sequences"], False)
            if not layer["return_sequences"]:
                mask = None
        elif kind == "Bidirectional":
            inner = layer["layer"]
            rs = inner["return_sequences"]
            # bidirectional.py forces zero_output_for_mask = return_sequences on both layers
            yf = rnn(inner["class"], w["forward"], inner["units"], x, mask, False, rs, rs)
            yb = rnn(inner["class"], w["backward"], inner["units"], x, mask, True, rs, rs)
            if rs:
                yb = yb[:, ::-1]  # bidirectional.py: y_rev = ops.flip(y_rev, axis=1)
            mode = layer["merge_mode"]
            x = {"concat": lambda: np.concatenate([yf, yb], axis=-1), "sum": lambda: yf + yb,
                 "ave": lambda: (yf + yb) / 2, "mul": lambda: yf * yb}[mode]()
            if not rs:
                mask = None
        elif kind in ("Dropout", "SpatialDropout1D"):
            pass  # identity at inference
        elif kind == "GlobalAveragePooling1D":
            if mask is None:
                x = x.mean(axis=1)
            else:
                m = mask[:, :, None].astype(np.float64)
                x = (x * m).sum(axis=1) / m.sum(axis=1)
            mask = None
        elif kind == "GlobalMaxPooling1D":
            x = x.max(axis=1)  # Keras 3 global_max_pooling1d.py: no mask argument, padded steps count
            mask = None
        elif kind == "Dense":
            z = x @ w["kernel"] + w["bias"]
            if layer["activation"] == "softmax":
                e = np.exp(z - z.max(axis=-1, keepdims=True))
                x = e / e.sum(axis=-1, keepdims=True)
            else:
                x = ACT[layer["activation"]](z)
        elif kind in ("TextVectorization", "InputLayer", "Lambda"):
            pass
        else:
            raise ValueError(kind)
    return x


# ----------------------------------------------------------------------------- torch cross-check

def torch_params(kind, w, units):
    """Keras cell weights in torch layout, converted as jrnn's importer converts them (docs/FORMAT.md)."""
    k, rk = w["kernel"].T, w["recurrent_kernel"].T
    if kind == "GRU":  # Keras z|r|h -> torch r|z|n
        order = lambda a: np.concatenate([a[units:2 * units], a[:units], a[2 * units:]])  # noqa: E731
        return order(k), order(rk), order(w["bias"][0]), order(w["bias"][1])
    return k, rk, w["bias"], np.zeros_like(w["bias"])


def cross_check(kind, w, units, inner_in, rng):
    """NumPy cell math (both directions, one unpadded sequence) vs torch in float64; raises on disagreement."""
    cls = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind]
    net = cls(inner_in, units, batch_first=True, bidirectional=True).double()
    for suffix, ww in (("", w["forward"]), ("_reverse", w["backward"])):
        ih, hh, bih, bhh = torch_params(kind, ww, units)
        with torch.no_grad():
            getattr(net, "weight_ih_l0" + suffix).copy_(torch.from_numpy(ih.astype(np.float64)))
            getattr(net, "weight_hh_l0" + suffix).copy_(torch.from_numpy(hh.astype(np.float64)))
            getattr(net, "bias_ih_l0" + suffix).copy_(torch.from_numpy(bih.astype(np.float64)))
            getattr(net, "bias_hh_l0" + suffix).copy_(torch.from_numpy(bhh.astype(np.float64)))
    x = rng.standard_normal((1, 5, inner_in))
    ours_f = rnn(kind, w["forward"], units, x, None, False, True, False)
    ours_b = rnn(kind, w["backward"], units, x, None, True, True, False)[:, ::-1]
    theirs, _ = net(torch.from_numpy(x))
    theirs = theirs.detach().numpy()
    diff = max(np.abs(theirs[..., :units] - ours_f).max(), np.abs(theirs[..., units:] - ours_b).max())
    if diff > 1e-10:
        raise SystemExit(f"NumPy {kind} disagrees with torch.nn.{cls.__name__} by {diff}")
    return diff


# ----------------------------------------------------------------------------- weights

def cell_weights(kind, units, inputs, rng, reset_after=True):
    g = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    w = {"kernel": rng.uniform(-0.6, 0.6, (inputs, g * units)).astype(np.float32),
         "recurrent_kernel": rng.uniform(-0.6, 0.6, (units, g * units)).astype(np.float32)}
    shape = (2, 3 * units) if kind == "GRU" and reset_after else (g * units,)  # gru.py: reset_after bias (2, 3H)
    w["bias"] = rng.uniform(-0.3, 0.3, shape).astype(np.float32)
    return w


def cell_var_order(kind):
    return ["kernel", "recurrent_kernel", "bias"]


def make_weights(model, rng):
    """Random float32 weights per layer name; recurrent cells' input widths follow the layer list."""
    weights = {}
    width = None
    checks = []
    for layer in model:
        kind = layer["class"]
        if kind == "Embedding":
            weights[layer["name"]] = {"embeddings": rng.uniform(-1, 1, (layer["input_dim"], layer["output_dim"])).astype(np.float32)}
            width = layer["output_dim"]
        elif kind in ("SimpleRNN", "LSTM", "GRU"):
            weights[layer["name"]] = cell_weights(kind, layer["units"], width, rng, layer.get("reset_after", True))
            width = layer["units"]
        elif kind == "Bidirectional":
            inner = layer["layer"]
            w = {"forward": cell_weights(inner["class"], inner["units"], width, rng),
                 "backward": cell_weights(inner["class"], inner["units"], width, rng)}
            weights[layer["name"]] = w
            checks.append(cross_check(inner["class"], w, inner["units"], width, rng))
            width = inner["units"] * (2 if layer["merge_mode"] == "concat" else 1)
        elif kind == "Dense":
            weights[layer["name"]] = {"kernel": rng.uniform(-0.8, 0.8, (width, layer["units"])).astype(np.float32),
                                      "bias": rng.uniform(-0.2, 0.2, (layer["units"],)).astype(np.float32)}
            width = layer["units"]
    # Standalone cells are cross-checked too (as both directions of one torch layer).
    for layer in model:
        if layer["class"] in ("SimpleRNN", "LSTM", "GRU") and layer.get("reset_after", True):
            w = weights[layer["name"]]
            checks.append(cross_check(layer["class"], {"forward": w, "backward": w}, layer["units"], w["kernel"].shape[0], rng))
    return weights, checks


def ordered_vars(layer, w):
    """The layer's variables in Keras order (Layer.weights: kernel, recurrent_kernel, bias; forward then backward)."""
    kind = layer["class"]
    if kind == "Embedding":
        return [("embeddings", w["embeddings"])]
    if kind == "Dense":
        return [("kernel", w["kernel"]), ("bias", w["bias"])]
    if kind in ("SimpleRNN", "LSTM", "GRU"):
        return [(n, w[n]) for n in cell_var_order(kind) if n in w]
    return []


# ----------------------------------------------------------------------------- configs

def dtype3():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def init3(name, config=None):
    return {"module": "keras.initializers", "class_name": name, "config": config or {"seed": None}, "registered_name": None}


def cell_config(layer, keras3):
    kind = layer["class"]
    c = {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
         "return_sequences": layer["return_sequences"], "return_state": False,
         "go_backwards": layer.get("go_backwards", False), "stateful": False, "unroll": False,
         "zero_output_for_mask": False, "units": layer["units"], "activation": "tanh", "use_bias": True}
    if not keras3:
        c["time_major"] = False
    if kind != "SimpleRNN":
        c["recurrent_activation"] = "sigmoid"
    c["kernel_initializer"] = init3("GlorotUniform") if keras3 else {"class_name": "GlorotUniform", "config": {"seed": None}}
    c["recurrent_initializer"] = init3("Orthogonal", {"gain": 1.0, "seed": None}) if keras3 else {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}
    c["bias_initializer"] = init3("Zeros", {}) if keras3 else {"class_name": "Zeros", "config": {}}
    if kind == "LSTM":
        c["unit_forget_bias"] = True
    for k in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
              "kernel_constraint", "recurrent_constraint", "bias_constraint"):
        c[k] = None
    c["dropout"] = 0.0
    c["recurrent_dropout"] = 0.0
    if kind == "GRU":
        c["reset_after"] = layer.get("reset_after", True)
    if keras3:
        c["seed"] = None
    if "activation" in layer:
        c["activation"] = layer["activation"]
    return c


def layer_config(layer, keras3, width):
    kind = layer["class"]
    if kind == "InputLayer":
        return {"batch_shape" if keras3 else "batch_input_shape": [None] if layer.get("string") else [None, None],
                "dtype": "string" if layer.get("string") else "int64", "sparse": False, "name": layer["name"]}
    if kind == "TextVectorization":
        return {"name": layer["name"], "trainable": True, "dtype": dtype3(), "max_tokens": layer.get("max_tokens", V),
                "standardize": layer.get("standardize", "lower_and_strip_punctuation"), "split": "whitespace",
                "ngrams": None, "output_mode": "int", "output_sequence_length": None, "pad_to_max_tokens": False,
                "sparse": False, "ragged": False, "vocabulary": None, "idf_weights": None, "encoding": "utf-8",
                "vocabulary_size": V}
    if kind == "Embedding":
        c = {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
             "input_dim": layer["input_dim"], "output_dim": layer["output_dim"],
             "embeddings_initializer": init3("RandomUniform", {"minval": -0.05, "maxval": 0.05, "seed": None}) if keras3
             else {"class_name": "RandomUniform", "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
             "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
             "mask_zero": layer["mask_zero"]}
        if keras3:
            c["lora_rank"] = None
        else:
            c["batch_input_shape"] = [None, None]
            c["input_length"] = None
        return c
    if kind in ("SimpleRNN", "LSTM", "GRU"):
        return cell_config(layer, keras3)
    if kind == "Bidirectional":
        inner = layer["layer"]
        back = dict(inner, name="backward_" + inner["name"], go_backwards=True)
        fwd = dict(inner, name="forward_" + inner["name"])
        return {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
                "merge_mode": layer["merge_mode"], "layer": serialize(fwd, keras3, width),
                "backward_layer": serialize(back, keras3, width)}
    if kind in ("Dropout", "SpatialDropout1D"):
        return {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
                "rate": layer["rate"], "noise_shape": None, "seed": None}
    if kind in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        return {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
                "data_format": "channels_last", "keepdims": False}
    if kind == "Dense":
        c = {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32", "units": layer["units"],
             "activation": layer["activation"], "use_bias": True,
             "kernel_initializer": init3("GlorotUniform") if keras3 else {"class_name": "GlorotUniform", "config": {"seed": None}},
             "bias_initializer": init3("Zeros", {}) if keras3 else {"class_name": "Zeros", "config": {}},
             "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
             "kernel_constraint": None, "bias_constraint": None}
        if keras3:
            c["lora_rank"] = None
        return c
    if kind == "Lambda":
        # Keras 3 lambda_layer.py: the function as marshalled Python bytecode (base64), never run by jrnn.
        return {"name": layer["name"], "trainable": True, "dtype": dtype3() if keras3 else "float32",
                "function": {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkAKQHaAXhyAgAAAHICAAAA+gg8c3RkaW4+2gg8bGFtYmRhPgEAAADzAAAAAA==",
                                                                  "defaults": None, "closure": None}},
                "arguments": {}}
    raise ValueError(kind)


def serialize(layer, keras3, width):
    c = layer_config(layer, keras3, width)
    if keras3:
        d = {"module": "keras.layers", "class_name": layer["class"], "config": c, "registered_name": None}
        if layer["class"] not in ("InputLayer",):
            d["build_config"] = {"input_shape": width}
        return d
    return {"class_name": layer["class"], "config": c}


def model_config(model, keras3):
    layers = []
    width = [None, None]
    for layer in model:
        if not keras3 and layer["class"] in ("InputLayer", "TextVectorization"):
            continue
        layers.append(serialize(layer, keras3, list(width)))
        if layer["class"] == "Embedding":
            width = [None, None, layer["output_dim"]]
    cfg = {"name": "sequential", "trainable": True, "dtype": dtype3() if keras3 else "float32", "layers": layers}
    if keras3:
        cfg["build_input_shape"] = [None]
        return {"module": "keras", "class_name": "Sequential", "config": cfg, "registered_name": None,
                "build_config": {"input_shape": [None]}, "compile_config": None}
    return {"class_name": "Sequential", "config": cfg}


# ----------------------------------------------------------------------------- writers

def snake(name):
    """keras/src/utils/naming.py to_snake_case: the group name saving_lib gives a layer of class `name`."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def write_keras(path, model, weights, extra_datasets=None):
    """Keras 3 saving_lib layout; `extra_datasets` (path -> array) lets crafted variants add or replace datasets."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        used = {}
        for layer in model:
            kind = layer["class"]
            if kind == "InputLayer":
                continue  # Sequential.layers leaves the InputLayer out
            base = snake(kind)
            n = used.get(base, 0)
            used[base] = n + 1
            key = "layers/" + (base if n == 0 else f"{base}_{n}")
            layer["_path"] = key
            w = weights.get(layer["name"])
            g = f.create_group(key)
            g.create_group("vars").attrs["name"] = layer["name"]
            if kind in ("SimpleRNN", "LSTM", "GRU"):
                cv = g.create_group("cell").create_group("vars")
                cv.attrs["name"] = snake(kind) + "_cell"
                for i, (_, a) in enumerate(ordered_vars(layer, w)):
                    cv[str(i)] = a
            elif kind == "Bidirectional":
                inner = layer["layer"]
                for side, sub in (("backward_layer", "backward"), ("forward_layer", "forward")):
                    sg = g.create_group(side)
                    sg.create_group("vars").attrs["name"] = sub + "_" + inner["name"]
                    cv = sg.create_group("cell").create_group("vars")
                    cv.attrs["name"] = snake(inner["class"]) + "_cell"
                    for i, (_, a) in enumerate(ordered_vars(inner, w[sub])):
                        cv[str(i)] = a
            else:
                for i, (_, a) in enumerate(ordered_vars(layer, w) if w else []):
                    g["vars"][str(i)] = a
        for p, a in (extra_datasets or {}).items():
            if p in f:
                del f[p]
            if isinstance(a, tuple):  # (shape,): declared but never written, so the file stays small
                f.create_dataset(p, shape=a, dtype="f4")
            elif a is not None:
                f[p] = a
    h5 = buf.getvalue()
    meta = json.dumps({"keras_version": KERAS3_VERSION, "date_saved": "2024-06-11@00:00:00"})
    with zipfile.ZipFile(path, "w") as z:
        def put(name, data):
            z.writestr(zipfile.ZipInfo(name, ZIP_TIME), data)
        put("metadata.json", meta)
        put("config.json", json.dumps(model_config(model, True)))
        put("model.weights.h5", h5)
        for layer in model:
            if layer["class"] == "TextVectorization":
                # index_lookup.py save_assets: "\n".join(vocabulary), no trailing newline
                vocab = "\n".join(VOCAB)
                put("assets/" + layer["_path"] + "/vocabulary.txt", vocab)
                put("assets/" + layer["_path"] + "/_lookup_layer/vocabulary.txt", vocab)


def write_h5(path, model, weights):
    """tf.keras 2 legacy_h5_format layout (save_model_to_hdf5)."""
    layers = [l for l in model if l["class"] not in ("InputLayer", "TextVectorization")]
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = KERAS2_VERSION
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config(model, False)).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([l["name"].encode("utf8") for l in layers])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = KERAS2_VERSION.encode("utf8")
        for layer in sorted(layers, key=lambda l: l["name"]):
            g = mw.create_group(layer["name"])
            w = weights.get(layer["name"])
            named = []
            if layer["class"] in ("SimpleRNN", "LSTM", "GRU"):
                cell = snake(layer["class"]) + "_cell"
                named = [(f"{layer['name']}/{cell}/{n}:0", a) for n, a in ordered_vars(layer, w)]
            elif layer["class"] == "Bidirectional":
                inner = layer["layer"]
                cell = snake(inner["class"]) + "_cell"
                for sub in ("forward", "backward"):
                    named += [(f"{layer['name']}/{sub}_{inner['name']}/{cell}/{n}:0", a) for n, a in ordered_vars(inner, w[sub])]
            elif w:
                named = [(f"{layer['name']}/{n}:0", a) for n, a in ordered_vars(layer, w)]
            g.attrs["weight_names"] = np.array([n.encode("utf8") for n, _ in named], dtype="S" if named else "S1")
            for n, a in named:
                g.create_dataset(n, data=a)
        mw.create_group("top_level_model_weights").attrs["weight_names"] = np.array([], dtype="S1")


# ----------------------------------------------------------------------------- cases

def rnn_layer(kind, name, units, rs=False, **kw):
    return dict({"class": kind, "name": name, "units": units, "return_sequences": rs}, **kw)


def emb(mask=True, name="embedding"):
    return {"class": "Embedding", "name": name, "input_dim": V, "output_dim": E, "mask_zero": mask}


def head(name="dense"):
    return {"class": "Dense", "name": name, "units": K, "activation": "softmax"}


def bi(inner, mode, name="bidirectional"):
    return {"class": "Bidirectional", "name": name, "layer": inner, "merge_mode": mode}


TV = [{"class": "InputLayer", "name": "input_layer", "string": True},
      {"class": "TextVectorization", "name": "text_vectorization"}]

# name -> (layers, formats, refusal) ; refusal: a substring the importer's one-line message must contain
CASES = {
    "simple_rnn": (TV + [emb(), rnn_layer("SimpleRNN", "simple_rnn", 5), head()], ("keras", "h5"), None),
    "lstm": (TV + [emb(), rnn_layer("LSTM", "lstm", 5), head()], ("keras", "h5"), None),
    "gru": (TV + [emb(), rnn_layer("GRU", "gru", 5), head()], ("keras", "h5"), None),
    "bi_lstm_concat": ([emb(), bi(rnn_layer("LSTM", "lstm", 4), "concat"), head()], ("keras", "h5"), None),
    "bi_gru_sum": ([emb(), bi(rnn_layer("GRU", "gru", 4), "sum"), head()], ("keras", "h5"), None),
    "bi_rnn_ave": ([emb(), bi(rnn_layer("SimpleRNN", "simple_rnn", 4), "ave"), head()], ("keras", "h5"), None),
    "bi_lstm_mul": ([emb(), bi(rnn_layer("LSTM", "lstm", 4), "mul"), head()], ("keras", "h5"), None),
    "stacked": (TV + [emb(), rnn_layer("LSTM", "lstm", 5, rs=True), {"class": "Dropout", "name": "dropout", "rate": 0.3},
                      bi(rnn_layer("GRU", "gru", 4, rs=True), "concat"), {"class": "GlobalAveragePooling1D", "name": "global_average_pooling1d"},
                      {"class": "Dense", "name": "dense", "units": 6, "activation": "linear"}, head("dense_1")], ("keras", "h5"), None),
    "unmasked": ([emb(mask=False), {"class": "SpatialDropout1D", "name": "spatial_dropout1d", "rate": 0.2},
                  bi(rnn_layer("LSTM", "lstm", 4, rs=True), "concat"), rnn_layer("GRU", "gru", 5), head()], ("keras", "h5"), None),
    "max_pool": ([emb(), rnn_layer("GRU", "gru", 5, rs=True), {"class": "GlobalMaxPooling1D", "name": "global_max_pooling1d"},
                  head()], ("keras", "h5"), None),
    "bi_avg_pool": ([emb(), bi(rnn_layer("LSTM", "lstm", 4, rs=True), "sum"), {"class": "GlobalAveragePooling1D", "name": "global_average_pooling1d"},
                     head()], ("keras", "h5"), None),
    # Refused: each file must fail with one line naming the layer and its class.
    "gru_reset_before": ([emb(), rnn_layer("GRU", "gru", 5, reset_after=False), head()], ("keras",), "layer 'gru' (GRU): reset_after=false"),
    "lambda": ([emb(), rnn_layer("LSTM", "lstm", 5), {"class": "Lambda", "name": "lambda"}, head()], ("keras", "h5"), "layer 'lambda' (Lambda)"),
    "go_backwards": ([emb(), rnn_layer("LSTM", "lstm", 5, rs=True, go_backwards=True), {"class": "GlobalAveragePooling1D", "name": "global_average_pooling1d"},
                      head()], ("keras",), "layer 'lstm' (LSTM): go_backwards=true"),
    "bi_max_pool": ([emb(), bi(rnn_layer("GRU", "gru", 4, rs=True), "concat"), {"class": "GlobalMaxPooling1D", "name": "global_max_pooling1d"},
                     head()], ("keras",), "layer 'global_max_pooling1d' (GlobalMaxPooling1D)"),
    # Dense activations (issue 14): hidden relu/tanh/sigmoid/linear, and sigmoid or linear output layers kept as such.
    "dense_activations": ([emb(), rnn_layer("LSTM", "lstm", 5), {"class": "Dense", "name": "dense", "units": 6, "activation": "relu"},
                           {"class": "Dense", "name": "dense_1", "units": 5, "activation": "tanh"},
                           {"class": "Dense", "name": "dense_2", "units": 4, "activation": "sigmoid"},
                           {"class": "Dense", "name": "dense_3", "units": 4, "activation": "linear"}, head("dense_4")], ("keras", "h5"), None),
    "sigmoid_head": ([emb(), rnn_layer("LSTM", "lstm", 5), {"class": "Dense", "name": "dense", "units": K, "activation": "sigmoid"}],
                     ("keras", "h5"), None),
    "linear_head": ([emb(), rnn_layer("GRU", "gru", 5), {"class": "Dense", "name": "dense", "units": 6, "activation": "relu"},
                     {"class": "Dense", "name": "dense_1", "units": 1, "activation": "linear"}], ("keras", "h5"), None),
    "binary_sigmoid_head": ([emb(), rnn_layer("SimpleRNN", "simple_rnn", 5), {"class": "Dense", "name": "dense", "units": 1, "activation": "sigmoid"}],
                            ("keras", "h5"), None),
    "gelu_dense": ([emb(), rnn_layer("LSTM", "lstm", 5), {"class": "Dense", "name": "dense", "units": 6, "activation": "gelu"},
                    head("dense_1")], ("keras",), "layer 'dense' (Dense): activation 'gelu' on a hidden Dense layer"),
    "softplus_head": ([emb(), rnn_layer("LSTM", "lstm", 5), {"class": "Dense", "name": "dense", "units": K, "activation": "softplus"}],
                      ("keras",), "layer 'dense' (Dense): activation 'softplus' on the output layer"),
}


# Crafted variants of the "lstm" fixture: each must be refused in one line, without reading or allocating
# what it declares. name -> (dataset edits, config edit, phrase of the expected message)
CRAFTED = {
    "wrong_dtype": ({"layers/lstm/cell/vars/0": np.zeros((E, 20), dtype=np.float64)}, None, "expected float32 data"),
    "missing_dataset": ({"layers/lstm/cell/vars/2": None}, None, "holds 2 variables, expected 3"),
    "extra_dataset": ({"layers/lstm/cell/vars/3": np.zeros(20, dtype=np.float32)}, None, "holds 4 variables, expected 3"),
    "wrong_shape": ({"layers/lstm/cell/vars/1": np.zeros((20, 5), dtype=np.float32)}, None, "shape [20, 5], but the config implies [5, 20]"),
    "huge_dims": ({"layers/lstm/cell/vars/0": (1 << 20, 1 << 20)}, None, "shape [1048576, 1048576], but the config implies [6, 20]"),
    "stray_layer": ({"layers/mystery/vars/0": np.zeros(3, dtype=np.float32)}, None, "layers/mystery belong to no layer"),
    "huge_config": ({}, lambda m: m[2].update(output_dim=1_000_000), "the config declares"),
}


def write_crafted():
    layers = CASES["lstm"][0]
    out = {}
    for name, (edits, config_edit, phrase) in CRAFTED.items():
        weights, _ = make_weights(layers, np.random.default_rng(7))
        model = json.loads(json.dumps(layers))
        if config_edit:
            config_edit(model)
        write_keras(os.path.join(OUT_DIR, f"crafted_{name}.keras"), model, weights, edits)
        out[name] = phrase
    return out


def batches(model, weights):
    unpadded = [forward(model, weights, [s])[0].tolist() for s in SEQUENCES]
    padded_ids = [s + [0] * (PAD_TO - len(s)) for s in SEQUENCES]
    padded = forward(model, weights, padded_ids).tolist()
    return [{"name": "unpadded", "tokens": SEQUENCES, "probabilities": unpadded},
            {"name": "padded", "tokens": padded_ids, "probabilities": padded}]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    seed = 20240611
    index = {}
    max_check = 0.0
    for name, (layers, formats, refusal) in CASES.items():
        rng = np.random.default_rng(seed)
        seed += 1
        weights, checks = make_weights(layers, rng)
        max_check = max([max_check] + checks)
        for fmt in formats:
            path = os.path.join(OUT_DIR, f"{name}.{fmt}")
            (write_keras if fmt == "keras" else write_h5)(path, layers, weights)
        entry = {"formats": list(formats), "text_vectorization": any(l["class"] == "TextVectorization" for l in layers)}
        if refusal:
            entry["refusal"] = refusal
        else:
            with open(os.path.join(OUT_DIR, f"{name}.expected.json"), "w") as f:
                json.dump({"magic": MAGIC, "format_version": FORMAT_VERSION, "rerun": RERUN, "fixture": name,
                           "batches": batches(layers, weights)}, f, indent=1)
                f.write("\n")
        index[name] = entry
    index_crafted = write_crafted()
    with open(os.path.join(OUT_DIR, "vocab.txt"), "w") as f:
        f.write("\n".join(VOCAB) + "\n")
    with open(os.path.join(OUT_DIR, "fixtures.json"), "w") as f:
        json.dump({"magic": MAGIC, "format_version": FORMAT_VERSION, "rerun": RERUN, "fixtures": index, "crafted": index_crafted}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} fixtures to {OUT_DIR}; NumPy vs torch max difference {max_check:.2e}")


if __name__ == "__main__":
    main()
