"""Which language the user writes in: detect_language, from marker words and accents (English, French, Spanish)."""
from __future__ import annotations

import re

from dreamchat.understanding.text import fold

__all__ = ["detect_language"]

MARKERS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in {
    "en": "i you your the is are am what how my and do it that this to of love like good morning night thanks thank "
          "yes please with for doing today was have can send show where who why so really just hello hi hey about "
          "would want pic picture name call",
    "fr": "je tu toi moi et est ai oui merci pas suis mon ma mes le les une des du aime adore quoi comment "
          "pourquoi tres avec pour dans qui salut bonjour bonsoir coucou bisous bonne nuit ton ta tes vous nous fais "
          "veux peux aussi mais ou quel quelle envoie ca va stp svp mdr ptdr appelle",
    "es": "hola como estas gracias llamo gusta encanta soy eres yo muy buenas noches dias por favor donde vives anos "
          "tienes y el los las una pero tambien mucho adios guapa foto mandame enviame jaja estoy tengo quieres quiero",
}.items()}


def detect_language(text: str) -> str | None:
    """'en', 'fr' or 'es' when the text says so clearly enough, else None ("ok", "lol", emoji)."""
    lowered, tokens = text.lower(), re.findall(r"[a-z]+", fold(text))
    if tokens[:1] == ["yo"] and len(tokens) <= 2:
        tokens = tokens[1:]  # "yo", "yo zoe": the English greeting, not the Spanish "I"
    scores = {lang: float(sum(token in words for token in tokens)) for lang, words in MARKERS.items()}
    scores["fr"] += min(2, sum(char in "àâçèêëîïôûùœ" for char in lowered)) + 0.5 * ("é" in lowered)
    scores["es"] += min(2, sum(char in "ñáíóú¿¡" for char in lowered))
    (best, top), (_, second) = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:2]
    return best if top >= 1 and top > second else None
