"""What the user tells about themselves, as (kind, value) pairs to remember: name, likes, plans, dates."""
from __future__ import annotations

import re
from functools import lru_cache

from dreamchat.understanding.text import clean_phrase, fold

__all__ = ["extract_facts", "extract_likes", "extract_name", "extract_plans"]

NAME_WORD = r"([^\W\d_][\w'-]{1,30})"
NAME_PATTERNS = tuple(re.compile(prefix + r"\s+" + NAME_WORD, re.I) for prefix in (
    r"\bmy name(?:'s|\s+is)", r"\bcall me", r"\bje m'appelle", r"\bmoi,?\s+c'est", r"\bappelle[- ]moi",
    r"\bmon (?:pr[ée])?nom,?\s+(?:est|c'est)", r"\bme llamo", r"\bmi nombre es")) + (
    re.compile(r"\b(?i:i'm|i am|im|je suis|soy)\s+([A-ZÀ-ÖØ-Þ][\w'-]{1,30})"),)  # "I'm Marc", not "I'm tired"
NOT_NAMES = frozenset("""fine good ok okay tired sad happy bored hungry sorry sure back home here there new not so very
    really just still also always never too glad great well sick busy free done ready alone single married lonely
    excited stressed exhausted cold hot late early in on at from a an the going gonna trying looking working
    french english american british canadian spanish german italian later tomorrow maybe now soon tonight anytime
    fatigue fatiguee content contente desole desolee creve crevee la bien seul seule francais francaise pas tres un
    une en de cansado cansada feliz triste espanol espanola muy aqui no demain plus maintenant manana luego
    ahora""".split())
LIKE_PATTERNS = tuple(re.compile(prefix + r"\s+([^.,!?;:<>()\[\]{}\"\n]{2,80})", re.I) for prefix in (
    r"\bi\s+(?:really\s+|also\s+|just\s+|totally\s+|absolutely\s+)?(?:like|love|enjoy|adore)",
    r"\bi'?m\s+(?:really\s+|so\s+|kind of\s+)?(?:into|a (?:big |huge )?fan of|obsessed with|passionate about)",
    r"\bmy (?:favou?rite (?:thing|hobby)|hobby) is", r"\bj'(?:aime|adore)(?:\s+(?:bien|beaucoup|trop|vraiment|grave))?",
    r"\bje kiffe", r"\bme (?:gusta|gustan|encanta|encantan)(?:\s+mucho)?", r"\bsoy fan de"))
LIKE_CUT = re.compile(r"\s+(?:but|because|cause|when|and (?:you|u)|what about|how about|so much|a lot|too|as well|mais"
                      r"|parce|quand|et toi|aussi|beaucoup|pero|porque|cuando|y t[uú]|tambi[eé]n|mucho|lol|haha\w*"
                      r"|mdr)\b.*$", re.I | re.S)
POSSESSIVES = {"my": "your", "mon": "ton", "ma": "ta", "mes": "tes", "mi": "tu", "mis": "tus"}
NOT_LIKES = frozenset("you u ur your yours it that this them him her me te toi ta ton tes ca cela vous tu tus ti eso "
                      "esto lo when how what talking chatting".split())
PLAN_PATTERNS = (
    (re.compile(r"\b(?:i'?m|i am)\s+(?:going|heading|off)\s+to\s+(a|an|the|my)\s+([^.,!?;:<>()\n]{2,40})", re.I),
     {"a": "the ", "an": "the ", "the": "the ", "my": "your "}),
    (re.compile(r"\bje vais\s+(au|aux|[àa] la|[àa] l')\s*([^.,!?;:<>()\n]{2,40})", re.I),
     {"au": "le ", "aux": "les ", "à la": "la ", "a la": "la ", "à l'": "l'", "a l'": "l'"}),
    (re.compile(r"\bvoy\s+(al|a la|a un|a una)\s+([^.,!?;:<>()\n]{2,40})", re.I),
     {"al": "el ", "a la": "la ", "a un": "el ", "a una": "la "}))
PLAN_CUT = re.compile(r"\s+(?:tonight|tomorrow|later|this|next|today|with|and|ce soir|demain|ce week|cet|aujourd'hui"
                      r"|avec|et|esta noche|mañana|hoy|con|y)\b.*$", re.I | re.S)
DATE_PATTERNS = (
    re.compile(r"\bmy (birthday|anniversary|exam|interview|wedding)\s+is\s+(?:on\s+)?([^.,!?;\n]{3,40})", re.I),
    re.compile(r"\bmon (anniversaire|examen|entretien|mariage)\s+(?:c'est|est)\s+(?:le\s+)?([^.,!?;\n]{3,40})", re.I),
)


@lru_cache(maxsize=4096)
def extract_name(text: str) -> str | None:
    found = [(m.start(), m.group(1).strip("'-")) for pattern in NAME_PATTERNS for m in pattern.finditer(text)]
    names = sorted((position, word) for position, word in found if fold(word) not in NOT_NAMES)
    if not names:
        return None
    word = names[-1][1]
    return word.capitalize() if word.islower() or word.isupper() else word


def _gerund(verb: str) -> str:
    if verb.endswith("ing"):
        return verb
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-2] + "ying" if verb.endswith("ie") else verb[:-1] + "ing"
    doubled = len(verb) <= 4 and re.fullmatch(r"[^aeiou]*[aeiou][^aeiouwxy]", verb)
    return verb + verb[-1] * bool(doubled) + "ing"


@lru_cache(maxsize=4096)
def extract_likes(text: str) -> tuple[str, ...]:
    likes = []
    for match in (m for pattern in LIKE_PATTERNS for m in pattern.finditer(text)):
        words = clean_phrase(LIKE_CUT.sub("", match.group(1))).split()
        if len(words) > 1 and words[0].lower() == "to":
            words = words[2:] if words[1].lower() == "go" else [_gerund(words[1].lower())] + words[2:]
        if words and not NOT_LIKES & {fold(word) for word in words}:
            likes.append(" ".join(POSSESSIVES.get(word.lower(), word) for word in words))
    return tuple(likes)


@lru_cache(maxsize=4096)
def extract_plans(text: str) -> tuple[str, ...]:
    matches = ((m, articles) for pattern, articles in PLAN_PATTERNS for m in pattern.finditer(text))
    plans = [(articles.get(m.group(1).lower(), ""), clean_phrase(PLAN_CUT.sub("", m.group(2)), 4))
             for m, articles in matches]
    return tuple(article + what for article, what in plans if what)


def extract_facts(text: str) -> list[tuple[str, str]]:
    """What a user message tells about the user, as (kind, value) pairs to remember:
    kinds name, likes, plans and dates ("birthday: March 3")."""
    text = text[:4000].replace("’", "'")
    facts: list[tuple[str, str]] = []
    name = extract_name(text)
    if name:
        facts.append(("name", name))
    facts += [("likes", like) for like in extract_likes(text)]
    facts += [("plans", plan) for plan in extract_plans(text)]
    for pattern in DATE_PATTERNS:
        facts += [("dates", f"{m.group(1).lower()}: {m.group(2).strip()}") for m in pattern.finditer(text)]
    return facts
