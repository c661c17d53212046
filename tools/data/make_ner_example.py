#!/usr/bin/python3
"""Write docs/examples/ner_train.tsv and ner_test.tsv: a small made-up named-entity data set (PER, LOC, ORG
in BIO tags, CoNLL layout: "token<TAB>tag" per line, a blank line between sentences) for the README's
"Sequence labelling" example.

Not real data and not a benchmark: sentences come from templates and invented names, so a tagger learns
it in seconds. Some of it needs context, not memory: a quarter of the test set's names never occur in the
training file (they reach the model as [UNK]), and the place names also occur inside organisation names
("Bank of Tarvia"), where they are I-ORG. Standard library only; byte-reproducible (fixed seed).

    /usr/bin/python3 tools/data/make_ner_example.py [--out docs/examples]
"""

import argparse
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "docs", "examples")
SEED = 15

FIRST = ["Alena", "Bruno", "Cato", "Dalia", "Emeric", "Fenna", "Gideon", "Hilde", "Ivo", "Jorun", "Kasimir", "Lioba",
         "Marek", "Nerea", "Odil", "Petra", "Quirin", "Rosalind", "Sven", "Talia", "Ulric", "Vesna", "Wendel", "Xenia"]
LAST = ["Aldrow", "Brenk", "Castellan", "Dovrin", "Eskel", "Farrow", "Gollan", "Hestry", "Ilvane", "Jarek", "Kordes",
        "Lunt", "Morvay", "Nesbit", "Orlow", "Pradel", "Quennel", "Rask", "Stavro", "Tennick"]
PLACES = ["Tarvia", "Orsk", "Velmora", "Castora", "Lindgard", "Pellin", "Quarro", "Rhune", "Sabrel", "Tolvane",
          "Umbria Nova", "Port Elvaro", "New Castora", "Westmarch", "Dunmere", "Karsk", "Mirelle", "Ostrava Minor"]
ORG_HEADS = ["Velora", "Kestrel", "Brightwater", "Halcyon", "Ironbark", "Lumen", "Northwind", "Oakridge", "Quillon",
             "Redfern", "Silverline", "Thornbury"]
ORG_TAILS = ["Systems", "Holdings", "Bank", "Motors", "Labs", "Airlines", "Foods", "Energy", "Group", "Media"]

O = "O"


def tokens(s, tag):
    """Words of s, the first tagged B-tag and the rest I-tag (or all O)."""
    words = s.split()
    if tag == O:
        return [(w, O) for w in words]
    return [(w, ("B-" if i == 0 else "I-") + tag) for i, w in enumerate(words)]


class Names:
    """The name pools of one split: test draws a quarter of its names from pools the training file never sees."""

    def __init__(self, rng, first, last, places, heads):
        self.rng, self.first, self.last, self.places, self.heads = rng, first, last, places, heads

    def person(self):
        r = self.rng.random()
        if r < 0.25:
            return self.rng.choice(self.last)  # surname alone, as news writes it on second mention
        return self.rng.choice(self.first) + " " + self.rng.choice(self.last)

    def place(self):
        return self.rng.choice(self.places)

    def org(self):
        r = self.rng.random()
        if r < 0.25:
            return "Bank of " + self.rng.choice(self.places)
        if r < 0.35:
            return "University of " + self.rng.choice(self.places)
        return self.rng.choice(self.heads) + " " + self.rng.choice(ORG_TAILS)


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

# Each template is a list of pieces: plain text ("O"), or a slot PER / LOC / ORG.
TEMPLATES = [
    ["PER", "visited", "LOC", "on", "DAY", "."],
    ["PER", ", the chief executive of", "ORG", ", said profits rose ."],
    ["ORG", "opened a new office in", "LOC", "."],
    ["In", "LOC", ",", "PER", "met", "PER", "to discuss the merger ."],
    ["Shares of", "ORG", "fell after", "PER", "resigned ."],
    ["PER", "was born in", "LOC", "and studied at", "ORG", "."],
    ["The mayor of", "LOC", ",", "PER", ", opened the bridge ."],
    ["ORG", "and", "ORG", "agreed to merge ."],
    ["Flights from", "LOC", "to", "LOC", "were cancelled on", "DAY", "."],
    ["PER", "joined", "ORG", "as head of research ."],
    ["Talks in", "LOC", "ended without a deal ."],
    ["The weather was mild on", "DAY", "."],
    ["Prices rose again this week , analysts said ."],
    ["PER", "said the plan would create jobs in", "LOC", "."],
    ["A spokesman for", "ORG", "declined to comment ."],
]


def sentence(rng, names):
    out = []
    for piece in rng.choice(TEMPLATES):
        if piece == "PER":
            out += tokens(names.person(), "PER")
        elif piece == "LOC":
            out += tokens(names.place(), "LOC")
        elif piece == "ORG":
            out += tokens(names.org(), "ORG")
        elif piece == "DAY":
            out += tokens(rng.choice(DAYS), O)
        else:
            out += tokens(piece, O)
    return out


def write(path, sentences):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("-DOCSTART-\tO\n\n")
        for s in sentences:
            for w, t in s:
                f.write(f"{w}\t{t}\n")
            f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    rng = random.Random(SEED)
    # A quarter of each pool is held out of the training file.
    def split(pool):
        cut = len(pool) * 3 // 4
        return pool[:cut], pool[cut:]
    first, first_new = split(FIRST)
    last, last_new = split(LAST)
    places, places_new = split(PLACES)
    heads, heads_new = split(ORG_HEADS)
    train = Names(rng, first, last, places, heads)
    seen = Names(rng, first, last, places, heads)
    unseen = Names(rng, first_new, last_new, places_new, heads_new)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "ner_train.tsv"), [sentence(rng, train) for _ in range(400)])
    write(os.path.join(args.out, "ner_test.tsv"), [sentence(rng, unseen if rng.random() < 0.25 else seen) for _ in range(120)])


if __name__ == "__main__":
    main()
