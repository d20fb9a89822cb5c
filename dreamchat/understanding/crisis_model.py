"""The learned half of crisis detection: a logistic regression over words, word pairs and triples,
and groups of 4-5 letters, trained by scripts/train_crisis_model.py on the labelled phrases in
tests/data/safety. It catches indirect phrasings the rules in safety.py miss; both run on every
message, in pure Python (about a millisecond for a long message)."""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("crisis_model.json")
_TOKENS = re.compile(r"[a-z0-9']+")


def features(prepared: str) -> set[str]:
    """The features of a message already normalised and with its idioms masked (safety.prepare)."""
    tokens = _TOKENS.findall(prepared)
    found = set()
    for index, word in enumerate(tokens):
        found.add("w:" + word)
        if index:
            found.add("b:" + tokens[index - 1] + " " + word)
        if index > 1:
            found.add("t:" + tokens[index - 2] + " " + tokens[index - 1] + " " + word)
    spaced = " " + " ".join(tokens) + " "
    for size in (4, 5):
        found.update("c:" + spaced[start:start + size] for start in range(len(spaced) - size + 1))
    return found


class CrisisModel:
    """Weights per feature, a bias and the probability from which a message counts as a crisis."""

    def __init__(self, weights: dict[str, float], bias: float, threshold: float) -> None:
        self.weights, self.bias, self.threshold = weights, bias, threshold

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "CrisisModel":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], data["bias"], data["threshold"])

    def save(self, path: Path, about: dict) -> None:
        weights = {key: round(value, 4) for key, value in sorted(self.weights.items()) if abs(value) >= 0.02}
        path.write_text(json.dumps({**about, "threshold": self.threshold, "bias": round(self.bias, 4),
                                    "weights": weights}, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")

    def probability(self, prepared: str) -> float:
        score = self.bias + sum(self.weights.get(feature, 0.0) for feature in features(prepared))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score))))

    def fires(self, prepared: str) -> bool:
        return self.probability(prepared) >= self.threshold


@lru_cache(maxsize=1)
def default_model() -> CrisisModel:
    return CrisisModel.load()
