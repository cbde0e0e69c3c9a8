#!/usr/bin/env python3
"""Trains the heads of casefile's tone model on the sentence encoder's vectors
(all-MiniLM-L6-v2, crates/tone/minilm, frozen):

- politeness: a logistic regression over the 384 numbers, trained on the
  Stanford Politeness Corpus (Wikipedia part, the paper's binary task, as
  train/politeness.py); casefile averages it with the word model that script
  trains.
- hurt: a logistic regression over the 384 numbers and the two politeness
  scores, trained on the hand-labelled customer messages
  (../shared/data/tone); a message will hurt when the rules find something
  harmful or this head says so at `at` or above.

    cargo build --release -p casefile --bin casefile -p casefile-tone --example embed
    python3 train/tone.py          # cross-validated figures, then writes the heads
    python3 train/tone.py --cv     # the figures only

Pure Python, seeded. Writes crates/tone/heads.json, with a few texts and what
the heads made of them, which a Rust test checks casefile makes too.
"""
import csv
import json
import math
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import politeness as words_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "crates", "tone", "heads.json")
EMBED = os.path.join(ROOT, "target", "release", "examples", "embed")
CASEFILE = os.path.join(ROOT, "target", "release", "casefile")
FOLDS, SEED = 10, 7
POLITE = dict(epochs=60, rate=1.0, l2=1e-5)
HURT = dict(epochs=40, rate=0.3, l2=1e-4)
HURT_AT = 0.7
CHECKS = ["Could you please take a look at this? Thanks!",
          "Why did you revert my edit?",
          "Hi, I was charged twice for order 12345. Could you refund the second charge, please?",
          "Oh great, another 'update' that breaks everything. Fantastic job as always.",
          "You people are useless, I want my money back NOW",
          "Merci beaucoup pour votre aide"]


def embed(texts):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([EMBED], input=lines.encode(), capture_output=True, check=True)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def rules_hurt(texts):
    """What the rules alone say (the model switched off)."""
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([CASEFILE, "check", "--jsonl", "--kind", "chat"], input=lines.encode(),
                         capture_output=True, check=False,
                         env=dict(os.environ, CASEFILE_TONE_MODEL="off"))
    return [json.loads(l)["hurt"] for l in out.stdout.decode().splitlines()]


def train(data, epochs, rate, l2):
    w, b = [0.0] * len(data[0][0]), 0.0
    rng = random.Random(SEED)
    order = list(range(len(data)))
    for e in range(epochs):
        rng.shuffle(order)
        r = rate / (1 + 0.1 * e)
        for i in order:
            x, y = data[i]
            g = prob((w, b), x) - y
            b -= r * g
            w = [wi - r * (g * xi + l2 * wi) for wi, xi in zip(w, x)]
    return w, b


def prob(model, x):
    w, b = model
    z = max(-30.0, min(30.0, b + sum(a * c for a, c in zip(w, x))))
    return 1 / (1 + math.exp(-z))


def folds(n, labels=None):
    """Ten folds; stratified when labels are given (the hurtful messages are few)."""
    rng = random.Random(SEED)
    groups = [list(range(n))] if labels is None else [[i for i in range(n) if labels[i] == v] for v in (0, 1)]
    for g in groups:
        rng.shuffle(g)
    return [[i for g in groups for i in g[k::FOLDS]] for k in range(FOLDS)]


def main():
    wiki = words_model.task()
    rows = list(csv.DictReader(open(os.path.join(DATA, "tone", "customer-messages.csv"))))
    texts = [r["text"] for r in rows]
    labels = [1 if r["label"] == "HURT" else 0 for r in rows]
    vectors = embed([t for t, _ in wiki] + texts + CHECKS)
    wiki_x, cust_x, check_x = vectors[:len(wiki)], vectors[len(wiki):len(wiki) + len(texts)], vectors[-len(CHECKS):]

    # Politeness, 10-fold on the Wikipedia task: the vectors, the words, both averaged.
    right = {"vectors": 0, "words": 0, "both": 0}
    for test in folds(len(wiki)):
        held = set(test)
        train_idx = [i for i in range(len(wiki)) if i not in held]
        head = train([(wiki_x[i], wiki[i][1]) for i in train_idx], **POLITE)
        words = words_model.train([wiki[i] for i in train_idx])
        for i in test:
            pv, pw = prob(head, wiki_x[i]), words_model.score(words, wiki[i][0])
            y = wiki[i][1] == 1
            right["vectors"] += (pv >= 0.5) == y
            right["words"] += (pw >= 0.5) == y
            right["both"] += ((pv + pw) / 2 >= 0.5) == y
    acc = {k: v / len(wiki) for k, v in right.items()}
    print(f"Wikipedia binary task, 10-fold ({len(wiki)} requests): vectors {acc['vectors']:.1%}, "
          f"words {acc['words']:.1%}, both averaged {acc['both']:.1%}")

    polite_head = train([(x, y) for x, (_, y) in zip(wiki_x, wiki)], **POLITE)
    words = words_model.train(wiki)

    def politeness_features(x, text):
        return [prob(polite_head, x), words_model.score(words, text)]

    cust_f = [x + politeness_features(x, t) for x, t in zip(cust_x, texts)]
    # Across domains: politeness learnt on Wikipedia, tested on customer
    # messages: how often a hurtful message reads less polite than a fine one.
    polite = [sum(f[-2:]) / 2 for f in cust_f]
    pairs = [(polite[i] < polite[j]) + 0.5 * (polite[i] == polite[j])
             for i in range(len(rows)) if labels[i] for j in range(len(rows)) if not labels[j]]
    across = sum(pairs) / len(pairs)
    print(f"Wikipedia politeness on customer messages: a hurtful one reads less polite than a fine one {across:.1%} of the time")

    # Hurt, 10-fold (stratified) on the customer messages, with the rules.
    rules = rules_hurt(texts)
    scores = [0.0] * len(rows)
    for test in folds(len(rows), labels):
        held = set(test)
        head = train([(cust_f[i], labels[i]) for i in range(len(rows)) if i not in held], **HURT)
        for i in test:
            scores[i] = prob(head, cust_f[i])
    figures = {}
    for name, said in (("rules", rules), ("rules or model", [r or s >= HURT_AT for r, s in zip(rules, scores)])):
        tp = sum(1 for s, y in zip(said, labels) if s and y)
        fp = sum(1 for s, y in zip(said, labels) if s and not y)
        fn = sum(1 for s, y in zip(said, labels) if not s and y)
        figures[name] = (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn))
        print(f"customer messages, 10-fold ({sum(labels)} of {len(rows)} hurt), {name}: "
              f"precision {figures[name][0]:.2f}, recall {figures[name][1]:.2f}")
    if "--cv" in sys.argv:
        return

    hurt_head = train([(f, y) for f, y in zip(cust_f, labels)], **HURT)
    r6 = lambda v: round(v, 6)  # noqa: E731
    rounded_polite = ([r6(v) for v in polite_head[0]], r6(polite_head[1]))
    rounded_hurt = ([r6(v) for v in hurt_head[0]], r6(hurt_head[1]))
    checks = []
    for text, x in zip(CHECKS, check_x):
        pv, pw = prob(rounded_polite, x), words_model.score(words, text)
        checks.append({"text": text, "politeness": (pv + pw) / 2, "hurt": prob(rounded_hurt, x + [pv, pw])})
    model = {
        "about": "Heads of casefile's tone model over all-MiniLM-L6-v2 sentence vectors, trained by "
                 "train/tone.py: politeness on the Stanford Politeness Corpus (Wikipedia), hurt on "
                 "hand-labelled customer messages (../shared/data/tone).",
        "cv": {"wikipedia_accuracy": acc, "across_domains": round(across, 4),
               "hurt_precision_recall": figures},
        "politeness": {"weights": rounded_polite[0], "bias": rounded_polite[1]},
        "hurt": {"weights": rounded_hurt[0], "bias": rounded_hurt[1], "at": HURT_AT},
        "checks": checks,
    }
    with open(OUT, "w") as f:
        json.dump(model, f, indent=0)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
