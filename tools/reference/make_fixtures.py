#!/usr/bin/env python3
"""PyTorch reference fixtures for jrnn's parity tests (jrnn-core/src/test/resources/fixtures/*.json).

Rerun from the repository root with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 tools/reference/make_fixtures.py
Uses only torch, numpy and the standard library, float64 throughout, fixed seeds; the output
is deterministic. Python is never needed by `mvn -B verify`: the JSON files are committed.
Bump FORMAT_VERSION (and Fixture.VERSION in jrnn-core/src/test/java/org/jrnn/testing) when the
schema changes (a new optional config key with a default, as merge_mode and go_backwards, is not a
change: older files simply lack it). This is a reference, not a benchmark: sizes are tiny on purpose.
"""

import copy
import json
import math
import os
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

MAGIC = "jrnn-fixture"
FORMAT_VERSION = 1
GENERATOR = "tools/reference/make_fixtures.py"
RERUN = "/usr/bin/python3 tools/reference/make_fixtures.py"

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "jrnn-core", "src", "test", "resources", "fixtures")

# V vocab, E embed, H hidden, K classes (letters as in STYLE.md).
V, E, H, K = 13, 5, 4, 3
# Different lengths in unsorted order, ids in 2..12 (0 = pad, 1 = OOV never used).
LENGTHS = [3, 6, 1, 4]
LABELS = [2, 0, 1, 2]  # every class present
TOKEN_SEED = 1234

ADAM_LR = 0.01
ADAM_STEPS = 2
TORCH_BETAS = (0.9, 0.999)
TORCH_EPS = 1e-8
KERAS_BETA_1, KERAS_BETA_2, KERAS_EPSILON = 0.9, 0.999, 1e-7
MIN_GRAD_RATIO = 5e-5  # see choose_seed
SEED_TRIES = 200

# name: (cell, layers, bidirectional, mode, head)
RNN_FIXTURES = {
    "rnn_padded_last": ("rnn", 1, False, "padded", "last"),
    "rnn_packed_last": ("rnn", 1, False, "packed", "last"),
    "rnn_packed_mean": ("rnn", 1, False, "packed", "mean"),
    "rnn_packed_max": ("rnn", 1, False, "packed", "max"),
    "lstm_packed_last": ("lstm", 1, False, "packed", "last"),
    "lstm_padded_last": ("lstm", 1, False, "padded", "last"),
    "gru_packed_last": ("gru", 1, False, "packed", "last"),
    "birnn_packed_last": ("rnn", 1, True, "packed", "last"),
    "bilstm_packed_last": ("lstm", 1, True, "packed", "last"),
    "bigru_packed_mean": ("gru", 1, True, "packed", "mean"),
    "lstm2_packed_last": ("lstm", 2, False, "packed", "last"),
    "bilstm2_packed_last": ("lstm", 2, True, "packed", "last"),
    "bilstm2_packed_max": ("lstm", 2, True, "packed", "max"),
    "gru2_packed_mean": ("gru", 2, False, "packed", "mean"),
}
# Keras Bidirectional merge_mode other than concat ("mean" is Keras' "ave"), and a standalone
# go_backwards layer: name: (cell, layers, bidirectional, mode, head, options)
VARIANT_FIXTURES = {
    "bilstm_sum_packed_last": ("lstm", 1, True, "packed", "last", {"merge_mode": "sum"}),
    "bigru_mean_packed_mean": ("gru", 1, True, "packed", "mean", {"merge_mode": "mean"}),
    "birnn_mul_packed_last": ("rnn", 1, True, "packed", "last", {"merge_mode": "mul"}),
    "bilstm2_mean_packed_last": ("lstm", 2, True, "packed", "last", {"merge_mode": "mean"}),
    "lstm_back_packed_last": ("lstm", 1, False, "packed", "last", {"go_backwards": True}),
    "gru_back_packed_mean": ("gru", 1, False, "packed", "mean", {"go_backwards": True}),
    "rnn_back_padded_last": ("rnn", 1, False, "padded", "last", {"go_backwards": True}),
}
MERGES = {
    "sum": lambda f, b: f + b,
    "mean": lambda f, b: 0.5 * (f + b),
    "mul": lambda f, b: f * b,
}
OTHER_FIXTURES = ["dense_ce", "softmax_ce_extreme", "adam", "lstm_dense_act"]
# Hidden Dense activations (issue 14): Embedding -> LSTM -> Linear -> ReLU -> Linear -> Tanh -> Linear
# head; widths of the two hidden Linear layers (other than E, H and K).
DENSE_ACT_WIDTHS = (6, 7)
# Per-step heads (TimeDistributed(Dense) in jrnn): nn.Linear on every step of the RNN output and
# F.cross_entropy(..., ignore_index) over the steps. name: (cell, layers, bidirectional, mode)
PER_STEP_FIXTURES = {
    "rnn_packed_steps": ("rnn", 1, False, "packed"),
    "lstm_packed_steps": ("lstm", 1, False, "packed"),
    "gru_packed_steps": ("gru", 1, False, "packed"),
    "bilstm_packed_steps": ("lstm", 1, True, "packed"),
    "lstm2_packed_steps": ("lstm", 2, False, "packed"),
    "bigru2_packed_steps": ("gru", 2, True, "packed"),
    # Unmasked: the backward direction reads the padding first, so it reaches the counted steps.
    "bilstm_padded_steps": ("lstm", 1, True, "padded"),
}
K_STEPS = 5  # per-step classes: other than K, H and E, so a swapped dimension cannot pass
IGNORE_INDEX = -100  # PyTorch's default
# One real step whose target is IGNORE_INDEX as well (sequence, step): ignored though not padding.
IGNORED_REAL_STEP = (1, 2)


def seed_of(name):
    """Stable per-fixture seed, so adding a fixture never changes the others."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def make_batch():
    rng = np.random.RandomState(TOKEN_SEED)
    tokens = [[int(t) for t in rng.randint(2, V, size=n)] for n in LENGTHS]
    return tokens, list(LABELS)


# --------------------------------------------------------------------------------------
# The model mirrored by jrnn
# --------------------------------------------------------------------------------------


class Classifier(nn.Module):
    """Embedding -> RNN/LSTM/GRU (L layers, optionally bidirectional) -> head -> Linear.

    mode "packed": pad with 0 to [T, B], pack (enforce_sorted=False) and embed only the real
    tokens, as bench.py RNNClassifier does; the RNN never sees a padded step.
    mode "padded": no mask; the RNN also runs over the padded steps (embedding row 0) and the
    final state is the one after step T (bench.py preset rnn_titles).
    head "last": h_n of the last layer (bidirectional: concat(fwd, bwd)); "mean"/"max": mean or
    max of the last layer's output over each sequence's real steps (padded mode: all T steps).

    merge_mode (Keras Bidirectional; not concat): every layer's two directions are merged
    elementwise (sum, mean = Keras "ave", mul) into H units, its output and its final states alike,
    so the next layer reads H features: one single-layer bidirectional module per layer
    (self.rnns), whose parameters are stored under the names of the multi-layer module.
    go_backwards (Keras, one direction): each sequence is read from its own last real token to its
    first (padded mode: from the last padded step), the final state is the one after the first
    token, and with sequences out[b, t] is the state after reading steps n-1 .. t, at t's position.
    That is jrnn's documented order (RecurrentLayer); Keras' standalone layer returns the same
    states in reading order, reversed(out[b, :n]) with post-padding moved to the front.
    """

    def __init__(self, cell, layers, bidir, mode, head, merge_mode="concat", go_backwards=False):
        super().__init__()
        assert not (go_backwards and bidir), "go_backwards is a one-direction layer"
        self.cell, self.bidir, self.mode, self.head = cell, bidir, mode, head
        self.merge_mode, self.go_backwards = merge_mode, go_backwards
        self.embedding = nn.Embedding(V, E)
        rnn_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        if merge_mode == "concat":
            self.rnn = rnn_cls(E, H, num_layers=layers, bidirectional=bidir)  # nn.RNN: tanh
        else:
            assert bidir, "merge_mode needs a bidirectional model"
            self.rnns = nn.ModuleList(rnn_cls(E if k == 0 else H, H, bidirectional=True) for k in range(layers))
        self.fc = nn.Linear(H * (2 if bidir and merge_mode == "concat" else 1), K)

    def state_names(self):
        """named_parameters() under jrnn's (and the multi-layer module's) state-dict names."""
        out = []
        for n, p in self.named_parameters():
            if n.startswith("rnns."):
                _, k, local = n.split(".")  # rnns.k.weight_ih_l0[_reverse]
                n = "rnn." + local.replace("_l0", "_l" + k)
            out.append((n, p))
        return out

    def run_rnn(self, x):
        """The recurrent stack on x (padded (T, B, E) or a PackedSequence), as nn.RNN returns it:
        output (all directions, merged when merge_mode is not concat) and h (or (h, c)) with
        h_n (L*dirs, B, H). Non-concat merges go layer by layer through the packed data."""
        if self.merge_mode == "concat":
            return self.rnn(x)
        hs, cs = [], []
        for rnn in self.rnns:
            out, h = rnn(x)
            data = out.data if isinstance(out, PackedSequence) else out
            merged = MERGES[self.merge_mode](data[..., :H], data[..., H:])
            x = PackedSequence(merged, out.batch_sizes, out.sorted_indices, out.unsorted_indices) \
                if isinstance(out, PackedSequence) else merged
            if self.cell == "lstm":
                hs.append(h[0])
                cs.append(h[1])
            else:
                hs.append(h)
        h_n = torch.cat(hs, dim=0)
        return x, ((h_n, torch.cat(cs, dim=0)) if self.cell == "lstm" else h_n)

    def merge_final(self, h_n):
        """Features of head "last" from the last layer's final states."""
        if not self.bidir:
            return h_n[-1]
        if self.merge_mode == "concat":
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return MERGES[self.merge_mode](h_n[-2], h_n[-1])

    def forward(self, tokens):
        B = len(tokens)
        lengths = torch.tensor([len(s) for s in tokens], dtype=torch.int64)
        T = int(lengths.max())
        pad = torch.zeros(T, B, dtype=torch.int64)  # (T, B), post-padded with 0
        for b, s in enumerate(tokens):
            pad[: len(s), b] = torch.tensor(s, dtype=torch.int64)
        steps = lengths if self.mode == "packed" else torch.full((B,), T, dtype=torch.int64)
        if self.go_backwards:
            # rev[t, b] = steps_b - 1 - t on the steps read, t beyond: its own inverse.
            t = torch.arange(T)[:, None]
            rev = torch.where(t < steps[None, :], steps[None, :] - 1 - t, t)  # (T, B)
            pad = pad.gather(0, rev)
        if self.mode == "packed":
            p = pack_padded_sequence(pad, lengths, enforce_sorted=False)
            x = PackedSequence(self.embedding(p.data), p.batch_sizes, p.sorted_indices, p.unsorted_indices)
            out, h = self.run_rnn(x)
            # Zeros at padded steps, original batch order restored.
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)  # (B, T, H*dirs)
        else:
            out, h = self.run_rnn(self.embedding(pad))  # (T, B, H*dirs)
            out = out.transpose(0, 1)  # (B, T, H*dirs)
        if self.go_backwards:
            out = out.gather(1, rev.t().unsqueeze(2).expand_as(out))  # each state back at its token
        h_n, c_n = h if self.cell == "lstm" else (h, None)  # (L*dirs, B, H), original batch order
        real = (torch.arange(T)[None, :] < steps[:, None]).unsqueeze(2)  # (B, T, 1)
        if self.head == "last":
            feat = self.merge_final(h_n)
        elif self.head == "mean":
            feat = (out * real).sum(dim=1) / steps[:, None].to(out.dtype)
        elif self.head == "max":
            # Padded zeros must not win: mask them to -inf before the max.
            feat = out.masked_fill(~real, float("-inf")).max(dim=1).values
        else:
            raise ValueError(self.head)
        logits = self.fc(feat)  # (B, K)
        return {"out": out, "h_n": h_n, "c_n": c_n, "feat": feat, "logits": logits}


def build_model(seed, cell, layers, bidir, mode, head, options=None):
    torch.manual_seed(seed)
    model = Classifier(cell, layers, bidir, mode, head, **(options or {}))  # torch default init
    with torch.no_grad():
        for pname, p in model.state_names():
            if pname.endswith("bias") or ".bias_" in pname:
                p.add_(0.05 * torch.randn_like(p))
    assert model.embedding.weight[0].abs().min() > 0, "embedding row 0 must be non-zero"
    return model


# --------------------------------------------------------------------------------------
# Sanity checks of the reference itself
# --------------------------------------------------------------------------------------


def check_packed_against_single(model, tokens, res):
    """Packed mode: every sequence run alone (unpadded, batch of 1) gives the same final
    states, outputs and logits as in the packed batch."""
    for b, s in enumerate(tokens):
        x = model.embedding(torch.tensor(s, dtype=torch.int64)).unsqueeze(1)  # (len, 1, E)
        out1, h1 = model.rnn(x)
        h1n, c1n = h1 if model.cell == "lstm" else (h1, None)
        assert torch.allclose(h1n[:, 0], res["h_n"][:, b], rtol=0, atol=1e-12), f"h_n of sequence {b}"
        if c1n is not None:
            assert torch.allclose(c1n[:, 0], res["c_n"][:, b], rtol=0, atol=1e-12), f"c_n of sequence {b}"
        n = len(s)
        assert torch.allclose(out1[:, 0], res["out"][b, :n], rtol=0, atol=1e-12), f"output of sequence {b}"
        assert torch.all(res["out"][b, n:] == 0), f"padded output of sequence {b} not zero"
        one = model([s])
        assert torch.allclose(one["logits"][0], res["logits"][b], rtol=0, atol=1e-12), f"logits of sequence {b}"


def check_variant_against_single(model, tokens, res):
    """merge_mode / go_backwards: each sequence alone, computed without the model's batching,
    packing or index tricks: every direction of every layer run as a plain single-layer module
    over the sequence (reversed by hand for go_backwards), merged by hand. Padded mode: the
    sequence with its padding, as the model reads it."""
    T = max(map(len, tokens))
    for b, s in enumerate(tokens):
        if model.mode == "padded":
            s = s + [0] * (T - len(s))
        ids = torch.tensor(s, dtype=torch.int64)
        x = model.embedding(ids.flip(0) if model.go_backwards else ids).unsqueeze(1)  # (n, 1, E)
        finals = []
        if model.merge_mode == "concat":  # one direction (go_backwards)
            out1, h1 = model.rnn(x)
            out1 = out1[:, 0].flip(0) if model.go_backwards else out1[:, 0]
            finals = [h1[0] if model.cell == "lstm" else h1]
        else:
            for rnn in model.rnns:
                o, h1 = rnn(x)
                x = MERGES[model.merge_mode](o[..., :H], o[..., H:])
                finals.append(h1[0] if model.cell == "lstm" else h1)
            out1 = x[:, 0]
        h1n = torch.cat(finals, dim=0)[:, 0]
        assert torch.allclose(h1n, res["h_n"][:, b], rtol=0, atol=1e-12), f"h_n of sequence {b}"
        n = len(s)
        assert torch.allclose(out1, res["out"][b, :n], rtol=0, atol=1e-12), f"output of sequence {b}"
        assert torch.all(res["out"][b, n:] == 0), f"padded output of sequence {b} not zero"
        one = model([tokens[b]])  # batch of one: the logits do not depend on the other sequences
        if model.mode == "packed":
            assert torch.allclose(one["logits"][0], res["logits"][b], rtol=0, atol=1e-12), f"logits of sequence {b}"


def check_max_margin(res, tokens, min_gap=1e-4):
    """Max head: the winner of every (sequence, unit) leads the runner-up by min_gap, so a
    float32 implementation picks the same step and routes the gradient to it."""
    for b, s in enumerate(tokens):
        if len(s) > 1:
            top2 = res["out"][b, : len(s)].topk(2, dim=0).values  # (2, H*dirs)
            gap = float((top2[0] - top2[1]).min())
            assert gap > min_gap, f"max head: sequence {b} has a near tie ({gap})"


def check_padded_differs(model, tokens, res):
    """Padded mode must really see the padding: the same weights packed give other logits."""
    mode = model.mode
    model.mode = "packed"
    try:
        other = model(tokens)["logits"]
    finally:
        model.mode = mode
    short = [b for b, s in enumerate(tokens) if len(s) < max(map(len, tokens))]
    longest = [b for b, s in enumerate(tokens) if len(s) == max(map(len, tokens))]
    assert not torch.allclose(other[short], res["logits"][short]), "padding had no effect"
    assert torch.allclose(other[longest], res["logits"][longest], rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------
# Adam, two steps on the same batch
# --------------------------------------------------------------------------------------


def min_grad_ratio(model):
    """Smallest non-zero |g| relative to its tensor's max|g|, over all parameters."""
    r = 1.0
    for p in model.parameters():
        g = p.grad.abs()
        nz = g[g > 0]
        if nz.numel():
            r = min(r, float(nz.min() / g.max()))
    return r


def choose_seed(name, spec, tokens, labels):
    """First seed from seed_of(name) on whose Adam steps no gradient entry is non-zero yet below
    MIN_GRAD_RATIO x its tensor's max. Adam divides each entry by its own magnitude, so such an
    entry turns float32 rounding of the gradient (~1e-6 x max) into a step error of order lr
    and a float32 model could not match params_after (seen with bilstm2_packed_max)."""
    for salt in range(SEED_TRIES):
        seed = seed_of(name) + salt
        model = build_model(seed, *spec)
        ok = True
        for optimizer in (adam_torch, adam_keras):
            _, _, ratios = optimizer(model, tokens, labels)
            ok = ok and min(ratios) > MIN_GRAD_RATIO
        if ok:
            return seed
    raise AssertionError(f"{name}: no seed in {SEED_TRIES} tries without near-zero gradients")


def loss_of(model, tokens, labels):
    return F.cross_entropy(model(tokens)["logits"], torch.tensor(labels, dtype=torch.int64))


def adam_torch(model0, tokens, labels):
    model = copy.deepcopy(model0)
    opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR, betas=TORCH_BETAS, eps=TORCH_EPS)
    losses, ratios = [], []
    for _ in range(ADAM_STEPS):
        opt.zero_grad(set_to_none=True)
        loss = loss_of(model, tokens, labels)
        loss.backward()
        ratios.append(min_grad_ratio(model))
        opt.step()
        losses.append(float(loss))
    return model, losses, ratios


def adam_keras(model0, tokens, labels):
    """Keras 3 keras/src/optimizers/adam.py Adam.update_step (amsgrad off), written out:
    t = iterations + 1; alpha = lr * sqrt(1 - b2^t) / (1 - b1^t);
    m += (g - m) * (1 - b1); v += (g^2 - v) * (1 - b2); p -= m * alpha / (sqrt(v) + epsilon).
    Keras' epsilon is "epsilon hat": added to sqrt(v) before bias correction, unlike torch."""
    model = copy.deepcopy(model0)
    params = list(model.parameters())
    ms = [torch.zeros_like(p) for p in params]
    vs = [torch.zeros_like(p) for p in params]
    losses, ratios = [], []
    for it in range(ADAM_STEPS):
        for p in params:
            p.grad = None
        loss = loss_of(model, tokens, labels)
        loss.backward()
        losses.append(float(loss))
        ratios.append(min_grad_ratio(model))
        keras_adam_step(params, [p.grad for p in params], ms, vs, it + 1)
    return model, losses, ratios


def keras_adam_step(params, grads, ms, vs, t):
    """One Keras Adam.update_step for every parameter; t = iterations + 1 (1 on the first)."""
    alpha = ADAM_LR * math.sqrt(1 - KERAS_BETA_2**t) / (1 - KERAS_BETA_1**t)
    with torch.no_grad():
        for p, g, m, v in zip(params, grads, ms, vs):
            m.add_((g - m) * (1 - KERAS_BETA_1))
            v.add_((g * g - v) * (1 - KERAS_BETA_2))
            p.sub_(m * alpha / (torch.sqrt(v) + KERAS_EPSILON))


# --------------------------------------------------------------------------------------
# Per-step heads
# --------------------------------------------------------------------------------------


class PerStepModel(nn.Module):
    """Embedding -> RNN/LSTM/GRU (L layers, optionally bidirectional, concat) -> Linear on every step.

    mode "packed": the RNN reads only the real tokens (pack_padded_sequence, as Classifier); the
    output is padded back with zeros and fc applied to every step; padded steps' logits (fc's bias)
    are ignored by the loss. mode "padded": no mask, the RNN also runs over the padding, and every
    one of the T steps has logits; the padded steps' targets are IGNORE_INDEX, so they still do
    not count."""

    def __init__(self, cell, layers, bidir, mode):
        super().__init__()
        self.cell, self.mode = cell, mode
        self.embedding = nn.Embedding(V, E)
        rnn_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn_cls(E, H, num_layers=layers, bidirectional=bidir)
        self.fc = nn.Linear(H * (2 if bidir else 1), K_STEPS)

    def forward(self, tokens):
        B = len(tokens)
        lengths = torch.tensor([len(s) for s in tokens], dtype=torch.int64)
        T = int(lengths.max())
        pad = torch.zeros(T, B, dtype=torch.int64)  # (T, B), post-padded with 0
        for b, s in enumerate(tokens):
            pad[: len(s), b] = torch.tensor(s, dtype=torch.int64)
        if self.mode == "packed":
            p = pack_padded_sequence(pad, lengths, enforce_sorted=False)
            out, _ = self.rnn(PackedSequence(self.embedding(p.data), p.batch_sizes, p.sorted_indices, p.unsorted_indices))
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)  # (B, T, H*dirs)
        else:
            out, _ = self.rnn(self.embedding(pad))  # (T, B, H*dirs)
            out = out.transpose(0, 1)  # (B, T, H*dirs)
        return {"out": out, "logits": self.fc(out)}  # logits (B, T, K)


def per_step_targets(tokens, seed):
    """(B, T): a class per real step, IGNORE_INDEX at padded steps and at IGNORED_REAL_STEP."""
    rng = np.random.RandomState(seed)
    T = max(map(len, tokens))
    targets = [[int(rng.randint(0, K_STEPS)) if t < len(s) else IGNORE_INDEX for t in range(T)] for s in tokens]
    b, t = IGNORED_REAL_STEP
    assert t < len(tokens[b]), "the ignored step must be a real one"
    targets[b][t] = IGNORE_INDEX
    return targets


def per_step_fixture(name, spec, tokens):
    cell, layers, bidir, mode = spec
    seed = seed_of(name)
    torch.manual_seed(seed)
    model = PerStepModel(cell, layers, bidir, mode)  # torch default init
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.endswith("bias") or ".bias_" in pname:
                p.add_(0.05 * torch.randn_like(p))
    targets = per_step_targets(tokens, seed)
    y = torch.tensor(targets, dtype=torch.int64)  # (B, T)
    model.zero_grad(set_to_none=True)
    res = model(tokens)
    logits = res["logits"]
    loss = F.cross_entropy(logits.reshape(-1, K_STEPS), y.reshape(-1), ignore_index=IGNORE_INDEX)
    loss.backward()
    names = [n for n, _ in model.named_parameters()]

    # The reference itself: the mean over the counted steps, computed by hand step by step.
    counted = [(b, t) for b in range(len(tokens)) for t in range(len(targets[b])) if targets[b][t] != IGNORE_INDEX]
    by_hand = sum(float(-torch.log_softmax(logits[b, t], 0)[targets[b][t]]) for b, t in counted) / len(counted)
    assert abs(by_hand - float(loss)) < 1e-12, "ignore_index mean"
    if mode == "packed":
        assert torch.all(model.embedding.weight.grad[0] == 0), "packed mode must not touch row 0"
        for b, s in enumerate(tokens):  # each sequence alone: the same per-step logits
            one = model([s])["logits"][0]
            assert torch.allclose(one, logits[b, : len(s)], rtol=0, atol=1e-12), f"logits of sequence {b}"
    else:
        assert model.embedding.weight.grad[0].abs().max() > 0, "padded mode must use row 0"

    T = max(map(len, tokens))
    real = torch.tensor([[t < len(s) for t in range(T)] for s in tokens]).unsqueeze(2)  # (B, T, 1)
    obj = header(name)
    obj["config"] = {
        "kind": "per_step", "cell": cell, "vocab": V, "embed": E, "hidden": H, "layers": layers,
        "bidirectional": bidir, "mode": mode, "classes": K_STEPS, "ignore_index": IGNORE_INDEX,
    }
    obj["seed"] = seed
    obj["tokens"] = tokens
    obj["targets"] = targets
    obj["counted_steps"] = len(counted)
    obj["params"] = {n: tensor(p) for n, p in model.named_parameters()}
    obj["param_order"] = names
    # Packed mode: zeros at padded steps (where jrnn has no rows); padded mode: every step.
    keep = real if mode == "packed" else torch.ones_like(real)
    obj["rnn_output"] = tensor(res["out"] * keep)
    obj["logits"] = tensor(logits * keep)  # (B, T, K)
    obj["loss"] = float(loss)
    obj["grads"] = {n: tensor(p.grad) for n, p in model.named_parameters()}
    write(name, obj)


# --------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------


def tensor(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def header(name):
    return {
        "magic": MAGIC,
        "version": FORMAT_VERSION,
        "generator": GENERATOR,
        "rerun": RERUN,
        "torch_version": torch.__version__,
        "dtype": "float64",
        "name": name,
    }


def _dumps(obj, indent=0):
    """Dicts one key a line; tensors ({shape, data}) and lists of numbers on a single line."""
    pad = "  " * indent
    if isinstance(obj, dict) and obj and set(obj) != {"shape", "data"}:
        items = [f'{pad}  {json.dumps(k)}: {_dumps(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, dict) for v in obj):
        items = [f"{pad}  {_dumps(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


def write(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name + ".json")
    text = _dumps(obj) + "\n"
    json.loads(text)  # round-trip check
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    size = len(text.encode("utf-8"))
    assert size < 100_000, f"{name}.json is {size} bytes"
    print(f"wrote {os.path.relpath(path, ROOT)} ({size} bytes)")


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


def rnn_fixture(name, spec, tokens, labels):
    cell, layers, bidir, mode, head = spec[:5]
    options = spec[5] if len(spec) > 5 else {}
    seed = choose_seed(name, spec, tokens, labels)
    model = build_model(seed, *spec)
    names = [n for n, _ in model.state_names()]
    params0 = {n: tensor(p) for n, p in model.state_names()}

    model.zero_grad(set_to_none=True)
    res = model(tokens)
    loss = F.cross_entropy(res["logits"], torch.tensor(labels, dtype=torch.int64))
    loss.backward()
    grads = {n: tensor(p.grad) for n, p in model.state_names()}
    if options:
        check_variant_against_single(model, tokens, res)
    if mode == "packed":
        if not options:
            check_packed_against_single(model, tokens, res)
        assert torch.all(model.embedding.weight.grad[0] == 0), "packed mode must not touch row 0"
    else:
        check_padded_differs(model, tokens, res)
        assert model.embedding.weight.grad[0].abs().max() > 0, "padded mode must use row 0"
    if head == "max":
        check_max_margin(res, tokens)

    mt, lt, _ = adam_torch(model, tokens, labels)
    mk, lk, _ = adam_keras(model, tokens, labels)
    assert abs(lt[0] - float(loss)) < 1e-14 and abs(lk[0] - float(loss)) < 1e-14

    obj = header(name)
    obj["config"] = {
        "cell": cell, "vocab": V, "embed": E, "hidden": H, "layers": layers,
        "bidirectional": bidir, "mode": mode, "head": head, "classes": K,
    }
    obj["config"].update(options)  # merge_mode, go_backwards: only where not the default
    obj["seed"] = seed
    obj["tokens"] = tokens
    obj["labels"] = labels
    obj["params"] = params0
    obj["param_order"] = names
    obj["rnn_output"] = tensor(res["out"])
    obj["h_n"] = tensor(res["h_n"])
    if res["c_n"] is not None:
        obj["c_n"] = tensor(res["c_n"])
    obj["features"] = tensor(res["feat"])
    obj["logits"] = tensor(res["logits"])
    obj["loss"] = float(loss)
    obj["grads"] = grads
    obj["adam_torch"] = {
        "lr": ADAM_LR, "betas": list(TORCH_BETAS), "eps": TORCH_EPS, "steps": ADAM_STEPS,
        "losses": lt,
        "params_after": {n: tensor(p) for n, p in mt.state_names()},
    }
    obj["adam_keras"] = {
        "lr": ADAM_LR, "beta_1": KERAS_BETA_1, "beta_2": KERAS_BETA_2, "epsilon": KERAS_EPSILON,
        "steps": ADAM_STEPS, "losses": lk,
        "params_after": {n: tensor(p) for n, p in mk.state_names()},
    }
    write(name, obj)


def dense_ce_fixture():
    name = "dense_ce"
    torch.manual_seed(seed_of(name))
    fc = nn.Linear(4, K)
    with torch.no_grad():
        fc.bias.add_(0.05 * torch.randn_like(fc.bias))
    x = torch.randn(3, 4, requires_grad=True)  # (B, I)
    labels = [2, 0, 1]
    logits = fc(x)  # (B, K)
    loss = F.cross_entropy(logits, torch.tensor(labels, dtype=torch.int64))
    loss.backward()
    obj = header(name)
    obj["config"] = {"kind": "dense_ce", "batch": 3, "in": 4, "classes": K}
    obj["x"] = tensor(x)
    obj["labels"] = labels
    obj["params"] = {"fc.weight": tensor(fc.weight), "fc.bias": tensor(fc.bias)}
    obj["param_order"] = ["fc.weight", "fc.bias"]
    obj["logits"] = tensor(logits)
    obj["loss"] = float(loss)
    obj["grads"] = {"fc.weight": tensor(fc.weight.grad), "fc.bias": tensor(fc.bias.grad)}
    obj["dx"] = tensor(x.grad)
    write(name, obj)


def lstm_dense_act_fixture(tokens, labels):
    """Hidden Dense activations: jrnn's Dense(6, relu), Dense(7, tanh) and head after an LSTM, named
    fc, fc1, fc2 as jrnn names Dense layers in order. Each sequence runs alone (no padding), which is
    packed mode's result (check_packed_against_single). Seeds are tried until no ReLU input lies within
    1e-3 of the kink, where PyTorch's and jrnn's float results could fall on different sides."""
    name = "lstm_dense_act"
    a, b = DENSE_ACT_WIDTHS
    for seed in range(seed_of(name), seed_of(name) + SEED_TRIES):
        torch.manual_seed(seed)
        emb, lstm = nn.Embedding(V, E), nn.LSTM(E, H)
        fc, fc1, fc2 = nn.Linear(H, a), nn.Linear(a, b), nn.Linear(b, K)
        feat = torch.stack([lstm(emb(torch.tensor(s, dtype=torch.int64)).unsqueeze(1))[1][0][-1, 0] for s in tokens])  # (B, H)
        z = fc(feat)  # (B, 6): ReLU's input
        if float(z.abs().min()) > 1e-3 and bool((z > 0).any()) and bool((z < 0).any()):
            break
    else:
        raise AssertionError(f"{name}: no seed keeps the ReLU inputs off the kink")
    named = [("embedding.weight", emb.weight)] + [("rnn." + n, p) for n, p in lstm.named_parameters()] \
        + [(m + "." + n, p) for m, mod in (("fc", fc), ("fc1", fc1), ("fc2", fc2)) for n, p in mod.named_parameters()]
    params0 = {n: tensor(p) for n, p in named}
    logits = fc2(torch.tanh(fc1(torch.relu(z))))  # (B, K)
    loss = F.cross_entropy(logits, torch.tensor(labels, dtype=torch.int64))
    loss.backward()
    obj = header(name)
    obj["config"] = {"kind": "lstm_dense_act", "cell": "lstm", "vocab": V, "embed": E, "hidden": H, "classes": K,
                     "dense": [{"units": a, "activation": "relu"}, {"units": b, "activation": "tanh"}]}
    obj["seed"] = seed
    obj["tokens"] = tokens
    obj["labels"] = labels
    obj["params"] = params0
    obj["param_order"] = [n for n, _ in named]
    obj["features"] = tensor(feat)
    obj["logits"] = tensor(logits)
    obj["loss"] = float(loss)
    obj["grads"] = {n: tensor(p.grad) for n, p in named}
    write(name, obj)


def softmax_ce_extreme_fixture():
    name = "softmax_ce_extreme"
    logits = torch.tensor([
        [50.0, -50.0, 0.0],       # label 0: confident and right, loss ~ 2e-22
        [100.0, 0.0, -100.0],     # label 2: confident and wrong, loss 200
        [-50.0, -50.0, -50.0],    # label 1: all equal, loss ln 3
        [1000.0, -1000.0, 0.0],   # label 1: exp overflows without the max shift, loss 2000
        [100.0, 100.0, -50.0],    # label 0: tie at the top, loss ln 2
    ], requires_grad=True)  # (B, K)
    labels = [0, 2, 1, 1, 0]
    y = torch.tensor(labels, dtype=torch.int64)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    per = F.cross_entropy(logits.detach(), y, reduction="none")
    assert torch.isfinite(loss) and torch.all(torch.isfinite(logits.grad))
    obj = header(name)
    obj["config"] = {"kind": "softmax_ce", "batch": logits.shape[0], "classes": logits.shape[1]}
    obj["logits"] = tensor(logits)
    obj["labels"] = labels
    obj["loss"] = float(loss)
    obj["per_example_loss"] = tensor(per)
    obj["probs"] = tensor(torch.softmax(logits.detach(), dim=1))
    obj["dlogits"] = tensor(logits.grad)
    write(name, obj)


def adam_fixture():
    """Adam alone on given gradients: zeros, entries near each epsilon, sign changes, a gradient
    that vanishes on step 2 (m and v keep decaying), so the optimizer is checked without model
    rounding and the two epsilon placements tell apart."""
    name = "adam"
    w0 = torch.tensor([[0.5, -0.25, 1.0], [0.0, 2.0, -1.5]])  # (2, 3)
    b0 = torch.tensor([0.1, -0.2, 0.3])  # (3)
    grads = [
        {"w": torch.tensor([[1e-3, -0.5, 0.0], [1e-9, 5.0, -1e-7]]), "b": torch.tensor([0.2, 0.0, -2.0])},
        {"w": torch.tensor([[-2e-3, -0.4, 0.0], [3e-9, 0.0, 1e-7]]), "b": torch.tensor([0.25, 0.1, -2.0])},
    ]
    names = ["w", "b"]

    def fresh():
        return [w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)]

    tp = fresh()
    opt = torch.optim.Adam(tp, lr=ADAM_LR, betas=TORCH_BETAS, eps=TORCH_EPS)
    torch_after = []
    for step in range(ADAM_STEPS):
        for p, n in zip(tp, names):
            p.grad = grads[step][n].clone()
        opt.step()
        torch_after.append({n: tensor(p) for n, p in zip(names, tp)})
    torch_m = {n: tensor(opt.state[p]["exp_avg"]) for n, p in zip(names, tp)}
    torch_v = {n: tensor(opt.state[p]["exp_avg_sq"]) for n, p in zip(names, tp)}

    kp = [p.detach().clone() for p in fresh()]
    ms = [torch.zeros_like(p) for p in kp]
    vs = [torch.zeros_like(p) for p in kp]
    keras_after = []
    for step in range(ADAM_STEPS):
        keras_adam_step(kp, [grads[step][n] for n in names], ms, vs, step + 1)
        keras_after.append({n: tensor(p) for n, p in zip(names, kp)})

    obj = header(name)
    obj["config"] = {"kind": "adam", "steps": ADAM_STEPS}
    obj["param_order"] = names
    obj["params"] = {"w": tensor(w0), "b": tensor(b0)}
    obj["grads_per_step"] = [{n: tensor(g[n]) for n in names} for g in grads]
    obj["adam_torch"] = {
        "lr": ADAM_LR, "betas": list(TORCH_BETAS), "eps": TORCH_EPS, "steps": ADAM_STEPS,
        "params_after_step1": torch_after[0], "params_after": torch_after[-1], "m": torch_m, "v": torch_v,
    }
    obj["adam_keras"] = {
        "lr": ADAM_LR, "beta_1": KERAS_BETA_1, "beta_2": KERAS_BETA_2, "epsilon": KERAS_EPSILON,
        "steps": ADAM_STEPS, "params_after_step1": keras_after[0], "params_after": keras_after[-1],
        "m": {n: tensor(m) for n, m in zip(names, ms)}, "v": {n: tensor(v) for n, v in zip(names, vs)},
    }
    write(name, obj)


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    tokens, labels = make_batch()
    assert [len(s) for s in tokens] == LENGTHS and all(2 <= t < V for s in tokens for t in s)
    for name, spec in RNN_FIXTURES.items():
        rnn_fixture(name, spec, tokens, labels)
    for name, spec in VARIANT_FIXTURES.items():
        rnn_fixture(name, spec, tokens, labels)
    dense_ce_fixture()
    softmax_ce_extreme_fixture()
    adam_fixture()
    lstm_dense_act_fixture(tokens, labels)
    for name, spec in PER_STEP_FIXTURES.items():
        per_step_fixture(name, spec, tokens)
    index = {
        "magic": MAGIC + "-index", "version": FORMAT_VERSION, "generator": GENERATOR, "rerun": RERUN,
        "rnn": list(RNN_FIXTURES) + list(VARIANT_FIXTURES), "other": OTHER_FIXTURES,
        "per_step": list(PER_STEP_FIXTURES),
    }
    write("index", index)
    return 0


if __name__ == "__main__":
    sys.exit(main())
