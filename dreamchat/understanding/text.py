"""Text normalisation shared by the understanding modules: one folded form that the patterns are written for."""
from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_CHARS", "clean_phrase", "compile_any", "fold", "unstretch"]

MAX_CHARS = 2000  # the safety detectors read this much of a message

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "œ": "oe", "æ": "ae", "ß": "ss"})
_SPACES = re.compile(r"\s+")
_STRETCHED = re.compile(r"([a-z])\1{2,}")


def fold(text: str) -> str:
    """Lowercase, straight apostrophes, no accents (œ -> oe), single spaces: "J’AI  Été" -> "j'ai ete"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLATE))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _SPACES.sub(" ", text).strip()


def clean_phrase(text: str, max_words: int = 5) -> str:
    """A user phrase made safe to repeat: plain words only, no markup, a few words at most."""
    return " ".join(re.sub(r"[^\w\s'&-]", " ", text).split()[:max_words]).strip(" '-_")


def unstretch(text: str) -> str:
    """Letters typed three times or more count once, in folded text: "dieeee" -> "die", "mouriiir" -> "mourir"."""
    return _STRETCHED.sub(r"\1", text)


def compile_any(*patterns: str) -> re.Pattern[str]:
    """One regular expression matching any of the patterns."""
    return re.compile("(?:" + "|".join(patterns) + ")")
