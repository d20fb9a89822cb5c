"""Whether the user asks for a photo in words, and of what: "a pic at the beach, please" -> "at the beach"."""
from __future__ import annotations

import re
from collections.abc import Iterable

from dreamchat.understanding.text import clean_phrase, fold

__all__ = ["detect_photo_request", "photo_requested"]

PHOTO_NOUN = re.compile(r"\b(photos?|pics?|pix|pictures?|selfies?|snaps?|images?|fotos?)\b")
PHOTO_ASK = re.compile(
    r"\b(send|show|give|snap|share|take)\s+(me|us)\b|\b(gimme|lemme see)\b|\b(can|could|may) i (see|get|have)\b"
    r"|\blet me see\b"
    r"|\b(want|wanna|would love|'d love|'d like|would like) (to )?(see|a|an|one|some|another|more)\b"
    r"|\b(got|have) any\b|\bdo you have (a|an|any)\b|\b(take|snap) (a|an|another)\b"
    r"|\b(envoie|envoies|envoyer|montre|montres|montrer)\b|\b(je veux|je peux|j'aimerais|je voudrais) (voir|une|un)\b"
    r"|\b(tu as|t'as|t'aurais) (une|un|des)\b|\b(mandame|manda|enviame|envia|ensename|muestrame|pasame)\b"
    r"|\b(quiero|puedo) ver\b|\b(what|how) about (a|an|une?|another)\b")
PHOTO_POLITE = re.compile(r"\b(please|pls|plz|stp|svp|s'il te plait|por favor)\b")
PHOTO_FIRST = re.compile(r"^(an?|une?|una|another|one more)?\s*(photos?|pics?|pictures?|selfies?|fotos?)\b"
                         r"(?!\s+(is|are|was|were|est|sont|es|son|c'est)\b)")
PHOTO_NOT_ASK = re.compile(r"(?<!can )(?<!could )(?<!may )\bi\s+(just\s+)?(took|take|sent|send|posted|post|saw"
                           r"|have|had|shared|showed|show|love|loved|like|liked|made)\b"
                           r"|\b(can|could|should|may|let me) i? ?(send|show|share)\b"
                           r"|\bj'ai (pris|envoye|vu|fait)\b|\bje (t'envoie|te montre)\b")
PHOTO_LEAD = re.compile(r"^(?:(?:of|from|you|yourself|u|de|toi|ti|ta|ton|tes|your|ur|the)(?:\s+|$))+", re.I)
PHOTO_TAIL = re.compile(r"(?:(?:^|\s+)(?:please|pls|plz|now|today|for me|stp|svp|s'il te pla[iî]t|por favor|again|lol"
                        r"|haha|maintenant|ahora|pour moi|para m[ií]))+$", re.I)
PHOTO_PLAIN_WORDS = frozenset("a an the one another more some any your ur new cute nice quick little good recent sexy "
                              "hot pretty latest une un des ta ton tes nouvelle petite jolie autre belle una otra tu "
                              "tus nueva me moi us of see send show get have".split())


def detect_photo_request(text: str) -> str | None:
    """The context of a photo the user asks for in words ("at the beach", default "selfie"), else None."""
    for clause in re.split(r"[.!;\n]+|,\s+(?=\w)", text.replace("’", "'")[:1000]):
        folded = fold(clause)
        if not folded or PHOTO_NOT_ASK.search(folded):
            continue
        noun, asks = PHOTO_NOUN.search(folded), PHOTO_ASK.search(folded)
        if noun and (asks or PHOTO_POLITE.search(folded) or PHOTO_FIRST.match(folded)):
            return _photo_context(clause)
        if asks and PHOTO_NOUN.search(fold(text)) and re.search(r"\b(another|one more|more|one|otra|autre)\b", folded):
            return "selfie"
    return None


def _photo_context(clause: str) -> str:
    """What follows the noun ("of you at the beach" -> "at the beach"), or a modifier ("beach pic")."""
    noun = PHOTO_NOUN.search(clause.lower())
    if not noun:
        return "selfie"
    after = re.split(r"[?,]|\s+(?:and|et|y)\s+", clause[noun.end():], maxsplit=1)[0]
    after = clean_phrase(PHOTO_TAIL.sub("", PHOTO_LEAD.sub("", after.strip())), max_words=6)
    if after and fold(after) not in PHOTO_PLAIN_WORDS:
        return after
    before = fold(clause[:noun.start()]).split()[-1:]
    if before and before[0].isalpha() and before[0] not in PHOTO_PLAIN_WORDS and not PHOTO_ASK.search(before[0]):
        return before[0]
    return "selfie"


def photo_requested(messages: Iterable[str]) -> str | None:
    """The photo asked for in a burst of user messages (read together), for engines that do not say."""
    return detect_photo_request("\n".join(messages))
