"""The persona of a companion, as the reply and photo providers see it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Persona:
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

    @classmethod
    def from_dict(cls, data: dict) -> "Persona":
        """Build a persona from the JSON shape of default_companions.json."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known.setdefault("style", "")
        known.setdefault("interests", ())
        for name in ("interests", "colors", "traits"):
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)


DEFAULT_COMPANIONS_FILE = Path(__file__).with_name("default_companions.json")


def load_default_personas() -> list[Persona]:
    return [Persona.from_dict(item) for item in json.loads(DEFAULT_COMPANIONS_FILE.read_text("utf-8"))]
