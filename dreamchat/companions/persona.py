"""The persona of a companion, as the reply and photo providers see it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Persona:
    """daily_life and favourites are optional, richer details for the offline engine: a topic ("work", "day",
    "evening", "now", "weekend", "home"; "gallery", "food", "music", ...) -> a sentence in her own words, a list of
    them, or {language: sentence(s)}. Imported cards and older personas leave them empty."""

    slug: str
    name: str
    age: int
    tagline: str
    personality: str
    interests: tuple[str, ...]
    style: str
    greeting: str
    language: str = "en"
    colors: tuple[str, ...] = ("#ff6f91", "#845ec2", "#ffc75f")
    appearance: str = ""
    city: str = ""
    traits: tuple[str, ...] = field(default_factory=tuple)
    daily_life: dict[str, object] = field(default_factory=dict, hash=False)
    favourites: dict[str, object] = field(default_factory=dict, hash=False)

    @classmethod
    def from_dict(cls, data: dict) -> "Persona":
        """Build a persona from the JSON shape of default_companions.json."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known.setdefault("style", "")
        known.setdefault("interests", ())
        for name in ("interests", "colors", "traits"):
            if name in known:
                known[name] = tuple(known[name])
        for name in ("daily_life", "favourites"):
            if name in known:
                known[name] = dict(known[name]) if isinstance(known[name], dict) else {}
        return cls(**known)


DEFAULT_COMPANIONS_FILE = Path(__file__).with_name("default_companions.json")


def load_default_personas() -> list[Persona]:
    return [Persona.from_dict(item) for item in json.loads(DEFAULT_COMPANIONS_FILE.read_text("utf-8"))]


@lru_cache(maxsize=1)
def _default_details() -> dict[tuple[str, str], Persona]:
    return {(persona.slug, persona.name): persona for persona in load_default_personas()}


def with_default_details(persona: Persona) -> Persona:
    """The persona with the daily_life and favourites of the default companion it is (same slug and name) when it
    has none of its own: the companions table does not store them, so they are read back from the defaults."""
    if persona.daily_life or persona.favourites:
        return persona
    default = _default_details().get((persona.slug, persona.name))
    if default is None or not (default.daily_life or default.favourites):
        return persona
    return replace(persona, daily_life=default.daily_life, favourites=default.favourites)
