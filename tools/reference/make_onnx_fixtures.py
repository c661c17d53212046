#!/usr/bin/env python3
"""ONNX fixtures for jrnn's ONNX import (jrnn-interop/src/test/resources/onnx/), made with torch.onnx.export.

Rerun from the repository root with Debian's PyTorch (apt-get install python3-torch; no onnx package needed):
    /usr/bin/python3 tools/reference/make_onnx_fixtures.py

Each fixture is the lesson's PyTorch architecture: nn.Embedding -> nn.RNN(tanh)/nn.LSTM/nn.GRU (one or more
layers, optionally bidirectional, batch_first or not) -> the last layer's final state h_n (bidirectional:
cat(h_n[-2], h_n[-1])) -> nn.Linear, returning logits; seeded random weights (biases included). Exported
with opset 17 and dynamic batch and time axes, as a user would. Writes NAME.onnx and NAME.expected.json
(token id batches, always [batch, time] post-padded with 0, and torch's softmax of the logits for them: the
exported graph runs over the padding, so jrnn imports these models unmasked), plus vocab.txt, and refused
fixtures (a graph jrnn cannot map) with the node the refusal must name. Deterministic (fixed seeds).
"""

import json
import os

import torch
import torch.nn as nn

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "jrnn-interop", "src", "test", "resources", "onnx")
MAGIC = "jrnn-onnx-fixture"
FORMAT_VERSION = 1
RERUN = "/usr/bin/python3 tools/reference/make_onnx_fixtures.py"
VOCAB = 20
EMBED = 6
CLASSES = 3
CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class Classifier(nn.Module):
    def __init__(self, cell, hidden, layers, bidirectional, batch_first=True, head="last"):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, EMBED)
        self.rnn = CELLS[cell](EMBED, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), CLASSES)
        self.cell, self.bidirectional, self.head = cell, bidirectional, head

    def forward(self, ids):
        out, h = self.rnn(self.embedding(ids))
        if self.cell == "lstm":
            h = h[0]
        if self.head == "relu":  # refused: jrnn has no activation between the state and the classifier
            return self.fc(torch.relu(h[-1]))
        last = torch.cat([h[-2], h[-1]], dim=1) if self.bidirectional else h[-1]
        return self.fc(last)


FIXTURES = [
    # name, cell, hidden, layers, bidirectional, batch_first, head, refusal (what the error must name) or None
    ("lstm", "lstm", 5, 1, False, True, "last", None),
    ("gru", "gru", 5, 1, False, True, "last", None),
    ("rnn_stacked", "rnn", 4, 2, False, True, "last", None),
    ("bi_lstm", "lstm", 5, 1, True, True, "last", None),
    ("bi_gru_stacked", "gru", 4, 2, True, True, "last", None),
    ("gru_time_major", "gru", 5, 1, False, False, "last", None),
    ("relu_head", "gru", 5, 1, False, True, "relu", "(Relu)"),
]

BATCHES = {
    "padded": [[3, 7, 1, 19, 9, 4], [5, 0, 0, 0, 0, 0], [8, 2, 6, 0, 0, 0], [11, 12, 13, 14, 15, 0]],
    "one_text": [[4, 9, 2]],
}


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "vocab.txt"), "w") as f:
        f.write("\n".join(["", "[UNK]"] + [f"w{i}" for i in range(2, VOCAB)]) + "\n")
    index = []
    for i, (name, cell, hidden, layers, bi, batch_first, head, refusal) in enumerate(FIXTURES):
        torch.manual_seed(100 + i)
        m = Classifier(cell, hidden, layers, bi, batch_first, head).eval()
        with torch.no_grad():
            for p in m.parameters():  # biases too, so a gate-order or bias mix-up shows
                p.uniform_(-0.5, 0.5)
        axes = {0: "batch", 1: "time"} if batch_first else {0: "time", 1: "batch"}
        example = torch.tensor(BATCHES["padded"])
        if not batch_first:
            example = example.t().contiguous()
        path = os.path.join(OUT_DIR, name + ".onnx")
        torch.onnx.export(m, (example,), path, input_names=["token_ids"], output_names=["logits"],
                          dynamic_axes={"token_ids": axes, "logits": {0: "batch"}}, opset_version=17)
        entry = {"name": name, "batch_first": batch_first, "refusal": refusal}
        index.append(entry)
        if refusal is not None:
            continue
        batches = []
        with torch.no_grad():
            for bname, tokens in BATCHES.items():
                x = torch.tensor(tokens)
                if not batch_first:
                    x = x.t().contiguous()
                probs = torch.softmax(m(x).double(), dim=1)
                batches.append({"name": bname, "tokens": tokens, "probabilities": probs.tolist()})
        with open(os.path.join(OUT_DIR, name + ".expected.json"), "w") as f:
            json.dump({"magic": MAGIC, "format_version": FORMAT_VERSION, "rerun": RERUN, "fixture": name,
                       "torch": torch.__version__, "batches": batches}, f, indent=1)
    with open(os.path.join(OUT_DIR, "fixtures.json"), "w") as f:
        json.dump({"magic": MAGIC, "format_version": FORMAT_VERSION, "rerun": RERUN, "fixtures": index}, f, indent=1)
    print(f"wrote {len(index)} fixtures to {OUT_DIR}")


if __name__ == "__main__":
    main()
