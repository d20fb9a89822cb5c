"""Text normalisation shared by the understanding modules: one folded form that the patterns are written for."""
from __future__ import annotations

import re
import unicodedata

__all__ = ["fold"]

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "œ": "oe", "æ": "ae", "ß": "ss"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase, straight apostrophes, no accents (œ -> oe), single spaces: "J’AI  Été" -> "j'ai ete"."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_TRANSLATE))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _SPACES.sub(" ", text).strip()
