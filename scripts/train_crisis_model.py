#!/usr/bin/env python
"""Train the learned half of crisis detection (dreamchat/understanding/crisis_model.json).

Logistic regression (AdaGrad, L2, classes weighted to balance, a fixed shuffle seed, so the same
data gives the same model) on the labelled phrases of the training sets in tests/data/safety
(TRAINING_SETS: dev_*, heldout_*, train_*, everyday_*). The other sets (blind_*, final_*) are never trained on:
they measure the detector on phrasings it has not seen (tests/test_safety_detector.py,
scripts/safety_report.py --figures-only). Prints the training-set figures.

Run: `.venv/bin/python scripts/train_crisis_model.py` after changing a training set.
"""
from __future__ import annotations

import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dreamchat.understanding.crisis_model import MODEL_FILE, CrisisModel, features  # noqa: E402
from dreamchat.understanding.safety import prepare  # noqa: E402
from tests.test_safety_detector import CRISIS_FILE, TRAINING_SETS, crisis_files, read_tsv  # noqa: E402

EPOCHS = 30
L2 = 1e-4
LEARNING_RATE = 0.2
THRESHOLD = 0.7
SEED = 1


def training_rows() -> list[tuple[str, int]]:
    rows = []
    for path in crisis_files():
        if CRISIS_FILE.fullmatch(path.name)["set"] in TRAINING_SETS:
            rows += [(row.text, int(row.label == "crisis")) for row in read_tsv(path)]
    return rows


def train(rows: list[tuple[str, int]]) -> CrisisModel:
    examples = [(features(prepare(text)), label) for text, label in rows]
    positives = sum(label for _, label in examples)
    class_weight = {1: len(examples) / (2 * positives), 0: len(examples) / (2 * (len(examples) - positives))}
    weights: dict[str, float] = {}
    squared: dict[str, float] = {}
    bias, bias_squared = 0.0, 1e-8
    shuffle = random.Random(SEED)
    for _ in range(EPOCHS):
        shuffle.shuffle(examples)
        for found, label in examples:
            score = bias + sum(weights.get(feature, 0.0) for feature in found)
            probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))
            gradient = (probability - label) * class_weight[label]
            for feature in found:
                step = gradient + L2 * weights.get(feature, 0.0)
                squared[feature] = squared.get(feature, 1e-8) + step * step
                weights[feature] = weights.get(feature, 0.0) - LEARNING_RATE * step / math.sqrt(squared[feature])
            bias_squared += gradient * gradient
            bias -= LEARNING_RATE * gradient / math.sqrt(bias_squared)
    return CrisisModel(weights, bias, THRESHOLD)


def main() -> None:
    rows = training_rows()
    model = train(rows)
    model.save(MODEL_FILE, {"trained_on": list(TRAINING_SETS), "phrases": len(rows),
                            "features": "words, word pairs and triples, 4-5 letter groups (crisis_model.features)"})
    model = CrisisModel.load(MODEL_FILE)
    hits = [(model.fires(prepare(text)), label) for text, label in rows]
    true_positives = sum(1 for fired, label in hits if fired and label)
    print(f"trained on {len(rows)} phrases; {len(model.weights)} weights; on the training set: "
          f"precision {true_positives / max(1, sum(f for f, _ in hits)):.3f}, "
          f"recall {true_positives / max(1, sum(label for _, label in hits)):.3f}")


if __name__ == "__main__":
    main()
