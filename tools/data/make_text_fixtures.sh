#!/bin/sh
# Test fixtures for org.jrnn.text: the vocabulary-identity test compares our adapt() against the
# PyTorch anchor's vocabulary, adapted on the first 2,000 rows of train.csv. gzip -n keeps the bytes
# reproducible (no name, no timestamp). Run from the repository root: tools/data/make_text_fixtures.sh
set -eu
shared=${SHARED:-../shared}
out=jrnn-core/src/test/resources/org/jrnn/text
mkdir -p "$out"
head -n 2000 "$shared/data/ag_news/train.csv" | gzip -n -9 > "$out/train_first2000.csv.gz"
gzip -n -9 < "$shared/anchors/pytorch/runs/vocab.txt" > "$out/anchor_vocab.txt.gz"
