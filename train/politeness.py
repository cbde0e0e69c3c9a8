#!/usr/bin/env python3
"""Trains the tone check's politeness model: a logistic regression over the
words and word pairs of a request, on the Stanford Politeness Corpus
(Wikipedia part, ../shared/data/politeness, Apache-2.0), the paper's binary
task (top quartile of the normalized score polite, bottom quartile not).

    python3 train/politeness.py          # 10-fold accuracy, then writes the model
    python3 train/politeness.py --cv     # the 10-fold accuracy only

Pure Python, seeded, so the same data gives the same weights byte for byte.
The model goes to crates/core/src/coach/politeness.json, which casefile reads
at build time; a few texts with their scores go with it, and a Rust test
checks that casefile scores them the same.
"""
import csv
import json
import math
import os
import random
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "crates", "core", "src", "coach", "politeness.json")
EPOCHS, RATE, L2, MIN_DOCS, FOLDS, SEED = 12, 0.2, 1e-4, 3, 10, 7

TOKEN = re.compile(r"[a-z0-9']+")


def features(text):
    """What the Rust side computes too (coach::politeness_model)."""
    words = TOKEN.findall(text.lower())
    out = {"w:" + w for w in words}
    out.update("b:" + a + " " + b for a, b in zip(words, words[1:]))
    if words:
        out.add("s:" + words[0])
    if "?" in text:
        out.add("q:?")
    return out


def task():
    rows = list(csv.DictReader(open(os.path.join(DATA, "politeness", "wikipedia.annotated.csv"))))
    scores = sorted(float(r["Normalized Score"]) for r in rows)
    q1, q3 = scores[len(scores) // 4], scores[3 * len(scores) // 4]
    return [(r["Request"], 1 if float(r["Normalized Score"]) >= q3 else 0) for r in rows
            if float(r["Normalized Score"]) >= q3 or float(r["Normalized Score"]) <= q1]


def train(examples):
    docs = {}
    for text, _ in examples:
        for f in features(text):
            docs[f] = docs.get(f, 0) + 1
    vocab = sorted(f for f, n in docs.items() if n >= MIN_DOCS)
    keep = set(vocab)
    data = [([f for f in sorted(features(t)) if f in keep], y) for t, y in examples]
    w = dict.fromkeys(vocab, 0.0)
    bias = 0.0
    rng = random.Random(SEED)
    order = list(range(len(data)))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = RATE / (1 + epoch)
        for i in order:
            fs, y = data[i]
            z = bias + sum(w[f] for f in fs)
            p = 1 / (1 + math.exp(-z))
            g = p - y
            bias -= rate * g
            for f in fs:
                w[f] -= rate * (g + L2 * w[f])
    return {f: v for f, v in w.items() if abs(v) > 1e-6}, bias


def score(model, text):
    w, bias = model
    z = bias + sum(w.get(f, 0.0) for f in features(text))
    return 1 / (1 + math.exp(-z))


def cross_validate(examples):
    rng = random.Random(SEED)
    order = list(range(len(examples)))
    rng.shuffle(order)
    right = 0
    for k in range(FOLDS):
        test = [examples[i] for i in order[k::FOLDS]]
        train_set = [examples[i] for j in range(FOLDS) if j != k for i in order[j::FOLDS]]
        model = train(train_set)
        right += sum(1 for t, y in test if (score(model, t) >= 0.5) == (y == 1))
    return right / len(examples)


def main():
    examples = task()
    accuracy = cross_validate(examples)
    print(f"10-fold accuracy on the Wikipedia binary task: {accuracy:.1%} ({len(examples)} requests)")
    if "--cv" in sys.argv:
        return
    weights, bias = train(examples)
    checks = ["Could you please take a look at this? Thanks!",
              "Why did you revert my edit?",
              "Hi, sorry to bother you, but would it be possible to check the refund?",
              "This is wrong. Fix it.",
              "Merci beaucoup"]
    model = {
        "about": "Politeness model of casefile's tone check: logistic regression over words and word "
                 "pairs, trained by train/politeness.py on the Stanford Politeness Corpus (Wikipedia, "
                 "Danescu-Niculescu-Mizil et al. 2013, Apache-2.0).",
        "cv_accuracy": round(accuracy, 4),
        "bias": bias,
        "weights": {f: round(v, 6) for f, v in sorted(weights.items())},
        "checks": [],
    }
    rounded = ({f: round(v, 6) for f, v in weights.items()}, bias)
    model["checks"] = [{"text": t, "score": score(rounded, t)} for t in checks]
    with open(OUT, "w") as f:
        json.dump(model, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {OUT}: {len(weights)} features")


if __name__ == "__main__":
    main()
