"""Crisis detection: whether the user may be in danger (detect_crisis), by rules (crisis_rules.py) and a learned model.

Runs on every message: pure, precompiled regular expressions over the folded text (text.fold), English and French
first, Spanish too. Input is capped at MAX_CHARS: an ordinary message takes well under a millisecond.

detect_crisis(text)
    normalise: fold, stretched letters ("dieeee"), leetspeak ("d1e"), SMS shorthand ("jveux", "wanna", "idk")
    -> mask guards: idioms ("dying to", "mort de rire"), accidents ("cut myself shaving"), talk about the topic
       (films, news, somebody's death), a question answered "no", a question somebody else asked, a past wish
       followed by recovery ("I used to want to die but therapy helped")
    -> split into clauses, match the rules: wanting to die or to end it, passive wishes, thoughts, the will to live
       gone, burden, self-harm, feeling unsafe, means, farewells
    -> a hit counts when it is about the user: the nearest subject is "I"/"je"/"yo" (or none), not "he", "my
       friend", "you"; and it is not negated ("I'd never hurt myself") unless the negation is the crisis ("I don't
       want to live"). A bare "I want to die" next to "so embarrassing", "jk", "la honte" is read as a joke; a
       lone "lol" is not, since people in crisis laugh nervously too.

    Third persons: "my friend said she wants to kill herself" is a worry about someone else, not the user's own
    crisis, so it is False; the companion answers with ordinary empathy. Fiction and news are False too.

    Limits: patterns catch the phrasings they were written for. Recall on phrases written independently of them
    is much lower than on the dev set; scripts/safety_report.py prints the figures per labelled set.
"""
from __future__ import annotations

import re
from functools import lru_cache

from dreamchat.understanding.crisis_model import default_model
from dreamchat.understanding.crisis_rules import (CLAUSES, CRISIS_GUARDS, CRISIS_RULES, JOKING, NEGATIONS, OTHERS, SELF,
                                                  TOKENS, Rule)
from dreamchat.understanding.text import MAX_CHARS, fold, unstretch

__all__ = ["MAX_CHARS", "crisis_by_rules", "detect_crisis", "prepare"]

# ---------------------------------------------------------------------------------------------------------------
# Normalisation: the folded text, then the spellings people type in a hurry.

_LEET = ((re.compile(r"(?<=[a-z])[1!|](?=[a-z])"), "i"), (re.compile(r"(?<=[a-z])0(?=[a-z])"), "o"),
         (re.compile(r"(?<=[a-z])3(?=[a-z])"), "e"))
_SHORTHAND = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    # English
    (r"\b(?:wan+a|wana|wnna|wanta|wantta|wnt to|wan to)\b", "want to"),
    (r"\b(?:gon+a|gona)\b", "going to"),
    (r"\b(don|can|won|isn|aren|wasn|weren|wouldn|couldn|shouldn|didn|doesn|haven|hasn|ain)t\b", r"\1't"),
    (r"\bim\b", "i'm"), (r"\bive\b", "i've"), (r"\bidk\b", "i don't know"), (r"\bdunno\b", "don't know"),
    (r"\bu\b", "you"), (r"\bb\b", "be"), (r"(?<=[a-z] )2(?= [a-z])", "to"),
    (r"\bany ?more\b|\bn?e ?more\b", "anymore"), (r"\b(?:noone|no1)\b", "no one"),
    (r"\bwhats\b", "what's"), (r"\b(?:rly|rlly|realy)\b", "really"),
    (r"\btheres\b", "there's"), (r"\bsewer ?slide\b", "suicide"),
    # French
    (r"\bj'?(?:veux|veu|vx|ve)\b|\bje (?:ve|veu|vx)\b", "je veux"), (r"\bj'?(?:vais|vai)\b", "je vais"),
    (r"\bj'?me\b", "je me"), (r"\b(?:j'?suis|jsui|chui|chuis)\b", "je suis"), (r"\b(?:jai|g)\b", "j'ai"),
    (r"\bjen\b", "j'en"), (r"\bjpp\b", "j'en peux plus"), (r"\bj'?pense\b", "je pense"),
    (r"\b(?:jsp|jsais pas|jsai pa|jsais pa|chais pas|chepa|chai pas)\b", "je sais pas"),
    (r"\bden\b", "d'en"), (r"\bplu\b", "plus"), (r"\bpa\b", "pas"), (r"\benvi\b", "envie"),
    (r"\bsa (?=sert|vaut)", "ca "), (r"\bmour+ire?\b", "mourir"), (r"\b(?:vrmt|vrm|vraimen)\b", "vraiment"),
    (r"\ben lair\b", "en l'air"),
    # Spanish
    (r"\b(?:kiero|qiero|qero)\b", "quiero"), (r"\bq\b", "que"),
))


def _normalise(text: str) -> str:
    text = unstretch(fold(text[:MAX_CHARS]))
    for pattern, replacement in _LEET + _SHORTHAND:
        text = pattern.sub(replacement, text)
    return text


def _is_about_self(before: str, negatable: bool) -> bool:
    """Whether a hit preceded by `before` (same clause) is the user speaking of themselves, not negated.

    The nearest subject decides: "I"/"je"/"yo" yes, "he"/"my friend"/"you" no; words in no list ("who", "qui")
    are skipped, so "a guy who wants to die" finds "guy". No subject at all ("want to die") counts as the user.
    """
    for token in reversed(TOKENS.findall(before.replace("il y a", "y a"))[-8:]):
        if token in SELF:
            return True
        if token in OTHERS:
            return False
        if negatable and token in NEGATIONS:
            return False
    return True


def _fires(rule: Rule, clause: str) -> bool:
    for match in rule.pattern.finditer(clause):
        before = clause[:match.start()]
        if rule.about_self:
            if _is_about_self(before, rule.negatable):
                return True
        elif not rule.negatable or not NEGATIONS.intersection(TOKENS.findall(before)[-3:]):
            return True
    return False


def prepare(text: str) -> str:
    """The text as both halves of detect_crisis read it: normalised, idioms and accidents masked."""
    return CRISIS_GUARDS.sub(" ~ ", _normalise(text))


def crisis_by_rules(text: str) -> bool:
    """The rules alone: precise, but blind to phrasings nobody wrote a rule for."""
    normalised = _normalise(text)
    return _rules_fire(normalised, CRISIS_GUARDS.sub(" ~ ", normalised))


# Any rule's pattern: a clause it does not match fires no rule, so the rules are tried only on the
# clauses it matches (most messages have none).
_ANY_RULE = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in CRISIS_RULES))


def _rules_fire(normalised: str, prepared: str) -> bool:
    joking = JOKING.search(normalised) is not None
    rules = [rule for rule in CRISIS_RULES if not (joking and rule.light)]
    clauses = [part.strip() for part in CLAUSES.split(prepared)]
    return any(_fires(rule, clause) for clause in clauses if len(clause) > 2 and _ANY_RULE.search(clause)
               for rule in rules)


WINDOW_OVERLAP = 300
MAX_WINDOWS = 8


@lru_cache(maxsize=8192)
def detect_crisis(text: str) -> bool:
    """True when the user expresses suicidal ideation, self-harm, or a wish or plan to die (en, fr, es):
    when the rules fire, or the learned model (crisis_model.py) finds it likely. A message longer
    than MAX_CHARS is read in overlapping windows (up to MAX_WINDOWS), so nothing hides at its end.
    Cached by text: the unanswered messages are checked again at each reply attempt and photo request."""
    return any(_window_in_crisis(part) for part in windows(text))


def _window_in_crisis(text: str) -> bool:
    """crisis_by_rules(text) or the model on prepare(text), with the text normalised once for both."""
    normalised = _normalise(text)
    prepared = CRISIS_GUARDS.sub(" ~ ", normalised)
    return _rules_fire(normalised, prepared) or default_model().fires(prepared)


def windows(text: str) -> list[str]:
    step = MAX_CHARS - WINDOW_OVERLAP
    return [text[start:start + MAX_CHARS] for start in range(0, max(1, len(text) - WINDOW_OVERLAP), step)][:MAX_WINDOWS]
