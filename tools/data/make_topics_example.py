#!/usr/bin/python3
"""Write docs/examples/topics_train.tsv and topics_test.tsv: a tiny made-up 3-class data set (weather,
cooking, football) for the README's "your own data" example.

Not real data and not a benchmark: sentences come from small templates and word lists, so a model reaches
high accuracy in a few seconds. It exists to show the file layout jrnn reads (TSV, header, string labels,
two text columns) with a command that runs anywhere. Standard library only; byte-reproducible (fixed seed).

    /usr/bin/python3 tools/data/make_topics_example.py [--out docs/examples]
"""

import argparse
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "..", "docs", "examples")
SEED = 7

TOPICS = {
    "weather": {
        "subjects": ["Heavy rain", "A cold front", "The storm", "Strong wind", "Morning fog", "Snowfall", "A heat wave", "Thunder"],
        "verbs": ["hits", "moves across", "sweeps over", "lingers over", "returns to", "is forecast for"],
        "objects": ["the coast", "the northern hills", "the valley", "the capital", "the islands", "the mountains"],
        "details": ["temperatures drop below freezing", "forecasters expect clear skies by Sunday",
                    "umbrellas will be needed all week", "gusts reach 90 km/h", "the humidity stays high",
                    "a sunny afternoon follows a cloudy morning"],
    },
    "cooking": {
        "subjects": ["This recipe", "A slow-cooked stew", "Fresh pasta", "The sourdough loaf", "A lemon tart", "Roast chicken",
                     "The curry", "A simple soup"],
        "verbs": ["needs", "gets its flavour from", "is finished with", "starts with", "pairs well with", "is baked with"],
        "objects": ["garlic and butter", "a pinch of salt", "fresh herbs", "olive oil", "brown sugar", "toasted spices"],
        "details": ["simmer for twenty minutes", "preheat the oven to 200 degrees", "knead the dough until smooth",
                    "season to taste before serving", "let it rest overnight in the fridge", "stir in the cream at the end"],
    },
    "football": {
        "subjects": ["The striker", "The home side", "Their keeper", "The coach", "The captain", "A late substitute",
                     "The defence", "The league leaders"],
        "verbs": ["scores against", "holds off", "draws with", "beats", "loses to", "comes back against"],
        "objects": ["the champions", "their rivals", "the visitors", "a promoted side", "the cup holders", "ten men"],
        "details": ["a penalty in stoppage time decides the match", "the goal comes from a corner",
                    "the referee shows two red cards", "fans celebrate a first win of the season",
                    "the transfer window opens next week", "the keeper saves a late free kick"],
    },
}


def row(rng, topic):
    w = TOPICS[topic]
    headline = f"{rng.choice(w['subjects'])} {rng.choice(w['verbs'])} {rng.choice(w['objects'])}"
    first, second = rng.sample(w["details"], 2)
    body = f"{first}; {second}."
    return f"{topic}\t{headline}\t{body}\n"


def write(path, rng, n):
    names = sorted(TOPICS)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("topic\theadline\tbody\n")
        for _ in range(n):
            f.write(row(rng, rng.choice(names)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    rng = random.Random(SEED)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "topics_train.tsv"), rng, 600)
    write(os.path.join(args.out, "topics_test.tsv"), rng, 150)


if __name__ == "__main__":
    main()
