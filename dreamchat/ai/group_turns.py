"""Who speaks in a group chat's turn: a pure, deterministic function of the members, the user's text,
who spoke last and a seed (the turn's message id), so a turn resumed after a restart has the same plan.

- A companion addressed by name (a whole word, case- and accent-insensitive) answers first; several
  addressed answer in the order they were named (at most MAX_SPEAKERS).
- Otherwise one or two answer, drawn with weights against whoever spoke last (variety), never all of
  a group of three or four every time.
- Sometimes (EXTRA_TURN_CHANCE) one more companion adds a short word after them, answering the others.
- A crisis turn: exactly one companion answers (the one addressed, else the first who would have).
"""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

MAX_SPEAKERS = 2
SECOND_SPEAKER_CHANCE = 0.45
EXTRA_TURN_CHANCE = 0.2
LAST_SPEAKER_WEIGHT = 0.25


@dataclass(frozen=True)
class Speaker:
    slug: str
    brief: bool = False  # an extra short turn that answers the other companions


def fold(text: str) -> str:
    """Lower case without accents: "Élodie" -> "elodie"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def addressed(members: list[tuple[str, str]], text: str) -> list[str]:
    """The slugs of the members named in text (whole words), in the order they are named."""
    folded = fold(text)
    found = []
    for slug, name in members:
        match = re.search(r"(?<!\w)" + re.escape(fold(name)) + r"(?!\w)", folded)
        if match:
            found.append((match.start(), slug))
    return [slug for _, slug in sorted(found)]


def _draw(rng: random.Random, candidates: list[str], weights: dict[str, float]) -> str:
    return rng.choices(candidates, weights=[weights[slug] for slug in candidates])[0]


def plan_turn(members: list[tuple[str, str]], text: str, last_speakers: tuple[str, ...], seed: int,
              crisis: bool = False) -> tuple[Speaker, ...]:
    """members: (slug, name) in the group's order; text: the user's new messages; last_speakers:
    slugs of her recent messages, newest last. Returns who speaks, in order."""
    slugs = [slug for slug, _ in members]
    rng = random.Random(seed)
    last = last_speakers[-1] if last_speakers else None
    weights = {slug: (LAST_SPEAKER_WEIGHT if slug == last else 1.0) for slug in slugs}
    named = addressed(members, text)[:MAX_SPEAKERS]
    if crisis:
        return (Speaker(named[0] if named else _draw(rng, slugs, weights)),)
    speakers = list(named)
    if not speakers:
        speakers.append(_draw(rng, slugs, weights))
        if rng.random() < SECOND_SPEAKER_CHANCE:
            speakers.append(_draw(rng, [s for s in slugs if s not in speakers], weights))
    plan = [Speaker(slug) for slug in speakers]
    others = [slug for slug in slugs if slug not in speakers]
    if rng.random() < EXTRA_TURN_CHANCE and len(slugs) > 2:
        # Someone who has not spoken yet in this turn chimes in briefly (never the whole group every time).
        if others and len(speakers) + 1 < len(slugs) or (others and rng.random() < 0.5):
            plan.append(Speaker(rng.choice(others), brief=True))
    return tuple(plan)
