#!/usr/bin/env python3
"""PyTorch-converted model fixture for jrnn's model-file tests (jrnn-core/src/test/resources/io/).

Rerun from the repository root with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 tools/reference/make_io_fixtures.py
Builds a tiny PyTorch classifier (Embedding(30, 6) -> bidirectional GRU(5), packed input -> Linear(10, 3)),
converts its state_dict with tools/from_pytorch.py (module names emb/gru/classifier, so --rename is
exercised) into pytorch_converted.jrnn, and writes pytorch_converted.json: a few texts, their token ids
and the class probabilities PyTorch computes in float64 from the float32 weights stored in the file.
Deterministic (fixed seed, fixed created time). Python is never needed by `mvn -B verify`.
"""

import json
import os
import string
import sys
import tempfile

import torch
import torch.nn as nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "jrnn-core", "src", "test", "resources", "io")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import from_pytorch  # noqa: E402

MAGIC = "jrnn-io-fixture"
FORMAT_VERSION = 1
RERUN = "/usr/bin/python3 tools/reference/make_io_fixtures.py"
SEED = 20240611
CREATED = "2024-06-11T00:00:00Z"

VOCAB = ["", "[UNK]", "the", "a", "of", "to", "in", "and", "team", "wins", "match", "goal", "season",
         "market", "shares", "stocks", "profit", "bank", "oil", "prices", "election", "minister",
         "president", "talks", "peace", "war", "government", "league", "cup", "final"]
CLASSES = ["World", "Sports", "Business"]
TEXTS = [
    "The team wins the Cup final!",
    "Oil prices: stocks and shares fall in a nervous market",
    "Peace talks between the government and the president",
    "Bank profit",
    "goal",
    "Minister says war, election; (and) TALKS-in the LEAGUE season of OIL",
    "Completely unknown words xyzzy plugh",
]
E, H, K = 6, 5, 3


class Net(nn.Module):
    """What a PyTorch user would write: packed input, h_n of both directions, a linear head."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(len(VOCAB), E)
        self.gru = nn.GRU(E, H, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * H, K)

    def forward(self, tokens):
        lengths = torch.tensor([len(s) for s in tokens], dtype=torch.int64)
        pad = torch.zeros(len(tokens), int(lengths.max()), dtype=torch.int64)  # (B, T)
        for b, s in enumerate(tokens):
            pad[b, : len(s)] = torch.tensor(s, dtype=torch.int64)
        p = pack_padded_sequence(pad, lengths, batch_first=True, enforce_sorted=False)
        x = PackedSequence(self.emb(p.data), p.batch_sizes, p.sorted_indices, p.unsorted_indices)
        _, h_n = self.gru(x)  # (2, B, H), original order
        return self.classifier(torch.cat([h_n[-2], h_n[-1]], dim=1))  # (B, K)


def tokenize(text):
    """jrnn's TextVectorizer: ASCII A-Z lower-cased, ASCII punctuation deleted, split on ASCII whitespace."""
    out = []
    for c in text:
        if "A" <= c <= "Z":
            out.append(c.lower())
        elif c not in string.punctuation:
            out.append(c)
    return "".join(out).split()


def main():
    torch.manual_seed(SEED)
    net = Net()  # float32, torch default init
    with torch.no_grad():
        net.classifier.weight.mul_(3.0)  # sharper probabilities, so a wrong gate order cannot hide
    index = {t: i for i, t in enumerate(VOCAB)}
    ids = [[index.get(t, 1) for t in tokenize(s)] for s in TEXTS]
    assert all(ids), "every fixture text needs a token (pack_padded_sequence rejects length 0)"
    ref = Net().double()
    ref.load_state_dict({k: v.double() for k, v in net.state_dict().items()})  # float32 weights, float64 math
    with torch.no_grad():
        probs = torch.softmax(ref(ids), dim=1)

    os.makedirs(OUT_DIR, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sd = os.path.join(tmp, "net.pt")
        torch.save(net.state_dict(), sd)
        vocab = os.path.join(tmp, "vocab.txt")
        with open(vocab, "w", encoding="utf-8") as f:
            f.write("\n".join(VOCAB) + "\n")
        rc = from_pytorch.main([
            "--state-dict", sd, "--vocab", vocab, "--classes", ",".join(CLASSES),
            "--cell", "gru", "--hidden", str(H), "--bidirectional", "--head", "last",
            "--rename", "emb=embedding", "--rename", "gru=rnn", "--rename", "classifier=fc",
            "--created", CREATED, "--out", os.path.join(OUT_DIR, "pytorch_converted.jrnn")])
        assert rc == 0, "conversion failed"

    fixture = {
        "magic": MAGIC,
        "version": FORMAT_VERSION,
        "generator": "tools/reference/make_io_fixtures.py",
        "rerun": RERUN,
        "torch": torch.__version__,
        "model": "pytorch_converted.jrnn",
        "class_names": CLASSES,
        "texts": TEXTS,
        "token_ids": ids,
        "probabilities": [[float(p) for p in row] for row in probs],
    }
    with open(os.path.join(OUT_DIR, "pytorch_converted.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT_DIR, ROOT), "pytorch_converted.jrnn/.json;",
          "predicted:", [CLASSES[int(i)] for i in probs.argmax(dim=1)])


if __name__ == "__main__":
    main()
