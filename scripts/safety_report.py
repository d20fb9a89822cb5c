#!/usr/bin/env python
"""Report of the safety detectors on the labelled phrases in tests/data/safety; prints figures, asserts nothing.

- detect_crisis: per set (dev, heldout, ...) and language, the count, precision, recall and misclassified phrases;
- asks_if_human and claims_human: per language, the count, accuracy and misclassified phrases.
Run: `.venv/bin/python scripts/safety_report.py [--figures-only]` (--figures-only hides the phrases, e.g. to look at
a held-out set's figures without reading it).
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dreamchat.understanding import asks_if_human, claims_human  # noqa: E402
from tests.test_safety_detector import CRISIS_FILE, DATA, CrisisScore, crisis_files, read_tsv  # noqa: E402


def crisis_report(figures_only: bool) -> None:
    print("detect_crisis")
    print(f"  {'set':<10} {'lang':<5} {'phrases':>7} {'crisis':>7} {'precision':>9} {'recall':>7}")
    details = []
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for path in crisis_files():
        match = CRISIS_FILE.fullmatch(path.name)
        groups[match["set"], match["lang"]].extend(read_tsv(path))
    for (set_name, lang), rows in sorted(groups.items(), key=lambda item: (item[0][0] != "dev", item[0])):
        score = CrisisScore.of(rows)
        print(f"  {set_name:<10} {lang:<5} {len(rows):>7} {score.positives:>7} {score.precision:>9.3f} "
              f"{score.recall:>7.3f}   ({len(score.missed)} missed, {len(score.false_alarms)} false alarms)")
        if score.missed or score.false_alarms:
            details.append(f"  {set_name} {lang}:\n{score.errors()}")
    if details and not figures_only:
        print("\n  misclassified:")
        print("\n".join(details))


def human_report(name: str, detector, positive: str, figures_only: bool) -> None:
    by_lang: dict[str, list] = defaultdict(list)
    for row in read_tsv(DATA / f"{name}.tsv"):
        by_lang[row.tag].append(row)
    print(f"\n{detector.__name__} ({name}.tsv)")
    for lang, rows in sorted(by_lang.items()):
        wrong = [row for row in rows if detector(row.text) is not (row.label == positive)]
        print(f"  {lang:<5} {len(rows):>4} phrases, accuracy {1 - len(wrong) / len(rows):.3f}")
        for row in [] if figures_only else wrong:
            print(f"        expected {row.label:<7} {row.text!r}  ({row.source})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures-only", action="store_true", help="print the figures, not the phrases")
    args = parser.parse_args()
    crisis_report(args.figures_only)
    human_report("human_questions", asks_if_human, "asks", args.figures_only)
    human_report("human_claims", claims_human, "claims", args.figures_only)


if __name__ == "__main__":
    main()
