#!/usr/bin/env python3
"""The follow-up lesson's char-level LSTM language model in PyTorch, the same model jrnn's preset
char_lstm128 trains: Embedding(V, 64) -> LSTM(128) -> Linear(V) on AG News titles, the same vocabulary
rule (pad 0, [UNK] 1, [BOS] 2, [EOS] 3, then characters by descending count, ties by first appearance;
line breaks and tabs read as a space), each title as ([BOS] c1..cn, c1..cn [EOS]), packed sequences
(padding costs nothing, as in jrnn), Adam with Keras' epsilon, the same batch size and epochs.
Reports training chars/s (input tokens per second, the count jrnn reports) and validation bits per
character on the test titles, and greedy-free sampling speed for one stream. Run by bench/charlm.sh.
"""
import argparse, csv, json, math, os, random, time
from collections import Counter

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/data/ag_news")
ap.add_argument("--epochs", type=int, default=1)
ap.add_argument("--batch-size", type=int, default=32)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=42)
ap.add_argument("--gen-tokens", type=int, default=20000)
ap.add_argument("--init", choices=["keras", "torch"], default="keras",
                help="weight initialisation: keras (jrnn's, the default) or torch (PyTorch's defaults)")
ap.add_argument("--rows", type=int, default=0, help="train on the first N training titles only (0 = all 28,692)")
ap.add_argument("--json-out")
ap.add_argument("--save", help="write the trained model's state_dict here (for a --generate-only run)")
ap.add_argument("--generate-only", metavar="MODEL_PT",
                help="no training: load this state_dict and measure one-stream sampling only (run it under taskset -c 0)")
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
random.seed(a.seed)


def titles(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [row[1] for row in csv.reader(f)]


def chars(t):
    return [" " if c in "\n\r\t" else c for c in t]


train, test = titles(os.path.join(a.data, "train.csv")), titles(os.path.join(a.data, "test.csv"))
if a.rows:
    train = train[:a.rows]
counts = Counter()
first = {}
for t in train:
    for c in chars(t):
        counts[c] += 1
        first.setdefault(c, len(first))
vocab = ["", "[UNK]", "[BOS]", "[EOS]"] + sorted(counts, key=lambda c: (-counts[c], first[c]))
index = {c: i for i, c in enumerate(vocab)}
V = len(vocab)


def encode(t):
    ids = [index.get(c, 1) for c in chars(t)]
    return torch.tensor([2] + ids), torch.tensor(ids + [3])


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(V, 64)
        self.rnn = nn.LSTM(64, 128, batch_first=True)
        self.fc = nn.Linear(128, V)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.embedding(x), lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        return self.fc(out.data), out  # logits of the packed rows (N, V)


def packed_targets(ys, lengths, out):
    y = pad_sequence(ys, batch_first=True, padding_value=-100)
    return pack_padded_sequence(y, lengths, batch_first=True, enforce_sorted=False).data


def keras_init_(m):
    """jrnn's (Keras') initialisers, as shared/anchors/pytorch/bench.py --init keras: Embedding U(-0.05, 0.05),
    W_ih glorot_uniform, W_hh orthogonal, biases 0 but the forget gate's 1 (in bias_ih), Dense glorot / 0.
    PyTorch's defaults (Embedding N(0, 1)) learn faster in the first hundred steps: compare like with like."""
    with torch.no_grad():
        nn.init.uniform_(m.embedding.weight, -0.05, 0.05)
        nn.init.xavier_uniform_(m.rnn.weight_ih_l0)
        nn.init.orthogonal_(m.rnn.weight_hh_l0)
        m.rnn.bias_ih_l0.zero_()
        m.rnn.bias_hh_l0.zero_()
        m.rnn.bias_ih_l0[128:256] = 1.0  # gate order i, f, g, o
        nn.init.xavier_uniform_(m.fc.weight)
        m.fc.bias.zero_()


def splitmix64_permutation(n, seed):
    """jrnn's Shuffle.permutation: Fisher-Yates driven by SplitMix64 (shared/anchors/pytorch/README.md)."""
    mask = (1 << 64) - 1
    state, p = seed & mask, list(range(n))
    for i in range(n - 1, 0, -1):
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        j = z % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p


model = CharLM()
if a.init == "keras":
    keras_init_(model)
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
tr = [encode(t) for t in train]
te = [encode(t) for t in test]


def batches(data, bs, order_seed=None):
    """Consecutive slices of jrnn's epoch order (SplitMix64, seed + epoch), or file order."""
    idx = list(range(len(data))) if order_seed is None else splitmix64_permutation(len(data), order_seed)
    for i in range(0, len(idx), bs):
        part = [data[j] for j in idx[i:i + bs]]
        xs, ys = zip(*part)
        lengths = torch.tensor([len(x) for x in xs])
        yield pad_sequence(xs, batch_first=True), ys, lengths


def evaluate(data):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for x, ys, lengths in batches(data, 256):
            logits, out = model(x, lengths)
            y = packed_targets(ys, lengths, out)
            total += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            n += len(y)
    model.train()
    return total / n


history = []
if a.generate_only:
    model.load_state_dict(torch.load(a.generate_only))
for epoch in range(0 if a.generate_only else a.epochs):
    t0, tokens, loss_sum = time.perf_counter(), 0, 0.0
    for x, ys, lengths in batches(tr, a.batch_size, a.seed + epoch):
        logits, out = model(x, lengths)
        y = packed_targets(ys, lengths, out)
        loss = nn.functional.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tokens += int(lengths.sum())
        loss_sum += loss.item() * len(y)
    secs = time.perf_counter() - t0
    val = evaluate(te)
    history.append({"epoch": epoch + 1, "seconds": secs, "chars_per_s": tokens / secs, "loss": loss_sum / tokens,
                    "val_loss": val, "val_bpc": val / math.log(2)})
    print(json.dumps(history[-1]), flush=True)

if a.save:
    torch.save(model.state_dict(), a.save)

# Sampling speed, one stream, the state carried (one LSTM step per character).
model.eval()
with torch.no_grad():
    g = torch.Generator().manual_seed(a.seed)
    x, state, produced = torch.tensor([[2]]), None, 0
    t0 = time.perf_counter()
    while produced < a.gen_tokens:
        out, state = model.rnn(model.embedding(x), state)
        p = torch.softmax(model.fc(out[:, -1]), -1)
        nxt = int(torch.multinomial(p, 1, generator=g))
        produced += 1
        if nxt == 3:
            x, state = torch.tensor([[2]]), None
        else:
            x = torch.tensor([[nxt]])
    gen = produced / (time.perf_counter() - t0)
result = {"generate_only": bool(a.generate_only), "vocab_size": V, "train_titles": len(train), "test_titles": len(test), "threads": a.threads,
          "batch_size": a.batch_size, "epochs": a.epochs, "history": history, "generation_chars_per_s_1_stream": gen,
          "torch": torch.__version__}
print(json.dumps(result))
if a.json_out:
    with open(a.json_out, "w") as f:
        json.dump(result, f, indent=1)
