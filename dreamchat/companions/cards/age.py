"""The character's age from a card's text and tags; a card describing someone under 18 is refused."""
from __future__ import annotations

import re
from dataclasses import dataclass

from dreamchat.companions.cards.spec import DEFAULT_AGE, MINOR_TAGS, MINOR_WORDS, CardError

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]

_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {word: i + 1 for i, word in enumerate(_UNITS)} | {word: 20 + 10 * i for i, word in enumerate(_TENS)}
_NUM = (r"(?:\d{1,4}|(?:" + "|".join(_TENS) + r")(?:[\s-](?:" + "|".join(_UNITS[:9]) + r"))?|"
        + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")")
AGE_LABELLED = re.compile(
    r"\bage\s*(?:[:=]|\(\s*|is\s+|(?=\d))\s*[\"'“”]?\s*(?P<n>" + _NUM + r")\b|\baged\s+(?P<m>" + _NUM + r")\b", re.I)
AGE_PHRASE = re.compile(
    r"\b(?P<n>" + _NUM + r")(?:\s*-\s*|\s+)?(?:years?|yrs?)(?:\s*-\s*|\s+)?old\b"
    r"|\b(?P<m>" + _NUM + r")\s*(?:y/o\b|y\.o\.?|yo\b)"
    r"|\b(?:i\s+am|i'm|i’m|is|she's|she’s|he's|he’s|they\s+are|they're)\s+(?:only\s+|just\s+)?"
    r"(?P<k>" + _NUM + r")(?=\s*(?:[.,!?;)]|$|\s+and\b|\s+but\b))"
    r"|\b(?:looks?|looking|appears?|appearing|seems?|passes\s+for)\s+(?:to\s+be\s+)?(?:like\s+)?(?:an?\s+)?"
    r"(?:only\s+|just\s+|about\s+|around\s+|barely\s+)?(?P<j>" + _NUM + r")\b"
    r"(?!\s*(?:cm|kg|ft|feet|foot|inch|inches|lbs?|pounds|%|times|minutes|hours|days|weeks|months))",
    re.I | re.M)
# "when she was 12 years old", "since she was 6", "at the age of 10": not her age now.
PAST_CONTEXT = re.compile(r"\b(?:when|since|until|till|used\s+to|back\s+in)\b[^.!?\n,;:]{0,25}$"
                          r"|\b(?:was|were|at)\s+(?:only\s+|just\s+|about\s+|around\s+|the\s+)?$", re.I)
# "her 5-year-old daughter", "a 12-year-old whisky": somebody or something else.
OTHER_NOUN = re.compile(
    r"^\s*(?:\w+\s+)?(?:daughters?|sons?|sisters?|brothers?|siblings?|child(?:ren)?|kids?|cousins?|nieces?|"
    r"nephews?|babys?|babies|dogs?|cats?|pupp(?:y|ies)|kittens?|pets?|horses?|"
    r"cars?|house|whiske?y|scotch|wine|bourbon|rum|cognac|company|business|tree|building)\b", re.I)


def _number(text: str) -> int | None:
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    parts = re.split(r"[\s-]+", text)
    values = [_WORD_VALUES.get(part) for part in parts]
    return sum(values) if values and None not in values else None  # type: ignore[arg-type]


@dataclass
class _AgeMention:
    value: int
    snippet: str
    labelled: bool


def _age_mentions(text: str) -> list[_AgeMention]:
    found: list[tuple[int, _AgeMention]] = []
    for pattern, labelled in ((AGE_LABELLED, True), (AGE_PHRASE, False)):
        for match in pattern.finditer(text):
            number = next(g for g in match.groups() if g is not None)
            value = _number(number)
            if value is None:
                continue
            before = text[max(0, match.start() - 40):match.start()]
            before = re.split(r"[.!?\n,;:]", before)[-1]
            if not labelled and PAST_CONTEXT.search(before):
                continue
            if labelled and re.search(r"\b(?:at|the|of|by)\s*$", before, re.I):
                continue  # "at age 12", "by age 10"
            if OTHER_NOUN.match(text[match.end():match.end() + 30]):
                continue
            snippet = text[max(0, match.start() - 20):match.end() + 10].replace("\n", " ").strip()
            found.append((match.start(), _AgeMention(value, snippet, labelled)))
    return [mention for _, mention in sorted(found, key=lambda item: item[0])]


def find_age(fields: dict[str, str], tags: list[str], warnings: list[str]) -> int:
    """The character's age from the card text; CardError if it (or anyone described) is a minor."""
    for text in list(fields.values()) + tags:
        word = MINOR_WORDS.search(text)
        if word:
            raise CardError(f"companions must be adults: the card mentions {word.group(0)!r}")
    for tag in tags:
        if tag.strip().lower() in MINOR_TAGS:
            raise CardError(f"companions must be adults: the card is tagged {tag!r}")
    own = [m for key in ("description", "personality") for m in _age_mentions(fields.get(key, ""))]
    chosen = next((m for m in own if m.labelled), None) or (own[0] if own else None)
    if chosen is not None and chosen.value < 18:
        raise CardError(f"companions must be adults (the card says {chosen.snippet!r})")
    for text in fields.values():
        for mention in _age_mentions(text):
            if mention.value < 18:
                raise CardError(f"companions must be adults (the card mentions {mention.snippet!r})")
    if any(re.search(r"\b(?:high[\s-]?school|middle[\s-]?school|junior[\s-]?high)\b", text, re.I)
           for text in fields.values()):
        warnings.append("the card mentions school; check that the character is an adult")
    if chosen is None:
        warnings.append(f"no age found in the card; using {DEFAULT_AGE}")
        return DEFAULT_AGE
    if chosen.value > 99:
        warnings.append(f"age {chosen.value} is not a human age; using {DEFAULT_AGE}")
        return DEFAULT_AGE
    return chosen.value
