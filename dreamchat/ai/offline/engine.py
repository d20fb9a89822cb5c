"""The offline persona engine: an embedded, rule-based reply provider.

No network and no model: a small pipeline turns the conversation into the companion's next
message, in her voice and in the language the user writes in (English, French or Spanish).

    detect language -> extract facts -> detect intents -> pick phrases -> apply voice -> not repeated

Replies are seeded from the conversation, so the same request always gets the same reply.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from itertools import takewhile

from dreamchat.ai.base import Reply, ReplyProvider, ReplyRequest
from dreamchat.ai.offline.intents import ABOUT_HER, MIRRORS, intents_of
from dreamchat.ai.offline.phrases import (DEFAULT_INTERESTS, DEFAULT_TRAITS, EMOJI, FRENCH_OPENERS, FRENCH_VOCATIVES,
                                          HOME, MOODS, PHRASES, PREFIXES, SLANG, TRANSLATIONS)
from dreamchat.companions.persona import Persona
from dreamchat.understanding import detect_language, detect_photo_request, fold
from dreamchat.understanding.facts import extract_likes, extract_name, extract_plans


@dataclass
class _Facts:
    """What the user told about themselves: a name, likes and plans, oldest first."""

    name: str | None = None
    likes: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)

    def read(self, texts: list[str]) -> "_Facts":
        for text in texts:
            text = text[:4000].replace("’", "'")
            self.name = extract_name(text) or self.name
            known = {item.lower() for item in self.likes + self.plans}
            self.likes += [like for like in extract_likes(text) if like.lower() not in known]
            self.plans += [plan for plan in extract_plans(text) if plan.lower() not in known]
        return self

    @classmethod
    def from_memory(cls, lines: tuple[str, ...]) -> "_Facts":
        """Facts kept from earlier sessions, as "kind: value" lines (see extract_facts)."""
        facts = cls()
        for line in lines:
            kind, _, value = line.partition(":")
            kind, value = kind.strip().lower(), value.strip()
            if not value:
                continue
            if kind == "name":
                facts.name = value
            elif kind == "likes":
                facts.likes.append(value)
            elif kind == "plans":
                facts.plans.append(value)
        return facts


@dataclass(frozen=True)
class _Voice:
    """How the persona's free-text `style` shapes her messages."""

    lowercase: bool = False
    short: bool = False
    exclaim: bool = False
    emoji: int = 0
    french_flair: bool = False
    slang: bool = False
    poetic: bool = False

    @classmethod
    def from_style(cls, style: str) -> "_Voice":
        s = style.lower() if isinstance(style, str) else ""
        emoji = (0 if re.search(r"\b(no|rarely|never|without|avoids?)\b[^,.;]*emoji", s)
                 else 2 if re.search(r"\b(lots|many|plenty|loads)\b[^,.;]*emoji", s) else int("emoji" in s))
        return cls(lowercase="lowercase" in s, short="short" in s or "punchy" in s,
                   exclaim="exclamation" in s or "bubbly" in s, emoji=emoji, french_flair="french" in s,
                   slang="slang" in s, poetic="poetic" in s or "full sentences" in s)


@dataclass
class _Turn:
    """Everything the phrase picker needs about this turn."""

    persona: Persona
    lang: str
    rng: random.Random
    voice: _Voice
    name: str | None
    before: _Facts
    now: _Facts
    intents: set[str]
    texts: list[str]
    girl_texts: list[str]
    after_photo: bool
    photo: str | None

    @property
    def new_name(self) -> str | None:
        return self.now.name if self.now.name and self.now.name != self.before.name else None



def _read_turn(request: ReplyRequest) -> _Turn:
    """Detect the language, extract facts and intents: everything but the wording."""
    new = [text for text in request.new_messages if isinstance(text, str)]
    history, count = list(request.history), len(new)
    tail = history[len(history) - count:] if count else []
    answered = count and len(tail) == count and all(l.sender == "user" and l.content == t for l, t in zip(tail, new))
    prior = history[:len(history) - count] if answered else history
    prior_user = [line.content for line in prior if line.sender == "user" and line.type == "text"]
    girl_texts = [line.content for line in prior if line.sender == "girl" and line.type == "text"]
    remembered = _Facts.from_memory(request.memory)
    before, now = _Facts().read(prior_user), _Facts().read(new)
    if remembered.name != now.name:
        before.name = before.name or remembered.name
    known = {like.lower() for like in before.likes + now.likes}
    before.likes = [like for like in remembered.likes if like.lower() not in known] + before.likes
    intents = set().union(*map(intents_of, new))
    if "and_you" in intents and not intents & set(ABOUT_HER):
        asked_before = intents_of(girl_texts[-1]) & set(ABOUT_HER) if girl_texts and not now.likes else set()
        intents |= (asked_before or ({"how_are_you"} if "good_mood" in intents else {"her_likes"})) | {"mirrored"}
    seed = "\x1f".join([request.conversation_key, str(len(request.history)), *new, *request.avoid])
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8", "replace")).digest()[:8], "big"))
    user_name = re.match(r"[^\W\d_]{2,}", request.user_name or "")
    return _Turn(persona=request.persona, rng=rng, voice=_Voice.from_style(request.persona.style),
                 lang=next(filter(None, map(detect_language, [" ".join(new)] + prior_user[::-1])), "en"),
                 name=now.name or before.name or (user_name.group(0).capitalize() if user_name else None),
                 before=before, now=now, intents=intents, texts=new, girl_texts=girl_texts,
                 after_photo=any(line.type == "photo" for line in takewhile(lambda l: l.sender == "girl", prior[::-1])),
                 photo=next(filter(None, map(detect_photo_request, new)), None))


def _fresh(items: list[str], girl_texts: list[str], gap: int) -> str | None:
    """A remembered like or plan she has brought up at most once, and not in her last `gap` messages."""
    for item in reversed(items):
        said = [item.lower() in text.lower() for text in girl_texts]
        if sum(said) <= 1 and not any(said[-gap:]):
            return item
    return None


def _localize(word: str, lang: str) -> str:
    return word if lang == "en" else TRANSLATIONS.get(word.lower(), (word, word))[lang == "es"]


def _shared_interest(likes: list[str], persona: Persona, lang: str) -> str | None:
    def stems(text: str) -> set[str]:
        return {word[:5] for word in re.findall(r"[a-z]{4,}", fold(text))} - {"going", "reall", "doing", "thing"}
    liked = set().union(*map(stems, likes))
    for interest in persona.interests or ():
        if liked & stems(" ".join((interest, _localize(interest, "fr"), _localize(interest, "es")))):
            return _localize(interest, lang)
    return None


def _plan(turn: _Turn) -> tuple[list[str], str | None, dict[str, str]]:
    """Which reactions to say (two at most) and which question to ask, with the memory they refer to."""
    intents, now = turn.intents, turn.now
    keys = ["nice_to_meet"] if turn.new_name else ["greet"] if "greeting" in intents else []
    honest = ["real"] if "real" in intents else []
    if turn.photo:
        return honest + keys + ["photo"], None, {}
    if intents & {"goodbye", "goodnight"}:
        return honest + ["welcome"] * ("thanks" in intents) + ["goodnight" if "goodnight" in intents else "goodbye"], \
            None, {}
    asked = honest + [key for key in ABOUT_HER if key in intents and key != "real"]
    if "about_her" in asked:
        asked = [key for key in asked if key not in ("her_age", "her_city")]
    shared = _shared_interest(now.likes, turn.persona, turn.lang)
    keys += ["empathy"] * ("sad" in intents) + ["glad"] * ("good_mood" in intents and not turn.new_name) + asked
    keys += [("photo_thanks" if turn.after_photo else "compliment")] * ("compliment" in intents)
    keys += [("like_shared" if shared else "like_react")] * bool(now.likes) + ["plan_react"] * bool(now.plans)
    keys += ["laugh"] * ("laugh" in intents) + ["welcome"] * ("thanks" in intents and "good_mood" not in intents)
    if not keys:
        words = sum(len(re.findall(r"[^\W\d_]+", text)) for text in turn.texts)
        keys = ["question_react" if any("?" in text for text in turn.texts) else "ack" if words > 2 else "brief"]
    if "greet" in keys and len(keys) > (1 if turn.voice.short else 2):
        keys.remove("greet")
    if turn.voice.short:
        answer = [key for key in keys if key in ABOUT_HER][:1]
        keys = [key for key in keys[:1] if key == "nice_to_meet"] + answer or keys[:1]
    memory = {"interest": shared or "", "like": (now.likes or [""])[0], "plan": (now.plans or [""])[0]}
    gap = 1 if "greeting" in intents else 2
    old_plan, old_like = (_fresh(facts, turn.girl_texts, gap) for facts in (turn.before.plans, turn.before.likes))
    if "sad" in intents:
        question = "sad_q"
    elif asked and asked[0] in MIRRORS and "mirrored" not in intents:
        question = MIRRORS[asked[0]]
    elif now.likes:
        question = "like_q"
    elif turn.after_photo and "compliment" not in intents:
        question = "photo_q"
    elif old_plan and not now.plans:
        question, memory["plan"] = "plan_q", old_plan
    elif old_like:
        question, memory["like"] = "memory_q", old_like
    else:
        question = turn.rng.choice(("generic_q", "interest_q"))
    return keys[:2], question, memory


class _Slots(dict):
    """Template values; {nv} may be empty and {voc} (an optional ", name") is given out only once."""

    def __init__(self, values: dict[str, str], vocative: str) -> None:
        super().__init__({key: value for key, value in values.items() if value})
        self.vocative = vocative

    def __missing__(self, key: str) -> str:
        if key not in ("nv", "voc"):
            raise KeyError(key)
        vocative, self.vocative = (self.vocative, "") if key == "voc" else ("", self.vocative)
        return vocative


def _phrase(turn: _Turn, key: str, slots: _Slots) -> str | None:
    """A variant of the phrase, filled in; variants needing a value we lack are skipped."""
    variants = sorted(PHRASES[turn.lang].get(key, ()), key=len)
    shorter = (len(variants) + 1) // 2 if turn.voice.short else len(variants)
    variants = turn.rng.sample(variants[:shorter], shorter) + variants[shorter:]
    for template in variants:
        try:
            text = template.format_map(slots)
        except (KeyError, IndexError, ValueError):
            continue
        return re.sub(r"(^|[.!?]\s+)([¿¡\"]?)(\w)", lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)
    return None


def _draft(turn: _Turn) -> tuple[list[str], list[str], str | None, _Slots]:
    """Pick and fill the phrases: the reactions and the closing question."""
    persona, lang, rng = turn.persona, turn.lang, turn.rng
    keys, question_key, memory = _plan(turn)
    interests = [_localize(interest, lang) for interest in persona.interests or () if interest]
    interests = rng.sample(interests, len(interests))
    interests += [i for i in DEFAULT_INTERESTS[lang] if i not in interests]
    traits = list(persona.traits or ()) or re.split(r"\s*(?:,|;| and )\s*", persona.personality or "")[:2]
    traits = [_localize(trait.strip(), lang) for trait in traits if trait.strip()] + list(DEFAULT_TRAITS)
    at_city, nowhere = HOME[lang]
    greeted = {"greet", "nice_to_meet"} & set(keys)
    slots = _Slots({"name": turn.name or "", "nv": ", " + turn.name if turn.name else "", "companion": persona.name,
                    "age": str(persona.age or ""), "at_city": at_city.format(persona.city) if persona.city else nowhere,
                    "i1": interests[0], "i2": interests[1], "i3": interests[2], "trait1": traits[0],
                    "trait2": traits[1], "tagline": persona.tagline, **memory},
                   ", " + turn.name if turn.name and not greeted and rng.random() < 0.3 else "")
    reactions = [text for key in keys if (text := _phrase(turn, key, slots))]
    reactions = reactions or [_phrase(turn, "ack", slots) or "Mm."]
    return keys, reactions, _phrase(turn, question_key, slots) if question_key else None, slots


def _before_end(sentence: str, addition: str) -> str:
    """Insert text before the sentence's closing punctuation."""
    match = re.search(r"\s*[.!?]+$", sentence)
    return sentence[:match.start()] + addition + sentence[match.start():] if match else sentence + addition


def _render(turn: _Turn, keys: list[str], reactions: list[str], question: str | None, slots: _Slots) -> str:
    """Apply the persona's voice (case, length, punctuation, emoji, flair) and join the sentences."""
    voice, rng, lang = turn.voice, turn.rng, turn.lang
    ambience = _phrase(turn, "ambience", slots) if voice.poetic and len(reactions) == 1 and question else None
    if ambience and rng.random() < 0.4 and not any(slots["at_city"] in t for t in reactions + turn.girl_texts[-3:]):
        reactions.append(ambience)
    if voice.slang and rng.random() < 0.5 and not {"empathy", "goodbye", "goodnight"} & set(keys):
        index = next((i for i, s in enumerate(reactions) if len(s.split()) >= 4 and not s.endswith("?")), None)
        if index is not None:
            reactions[index] = _before_end(reactions[index], " " + rng.choice(SLANG[lang]))
    flair_lately = any(word in text for word in FRENCH_VOCATIVES + FRENCH_OPENERS for text in turn.girl_texts[-1:])
    if voice.french_flair and lang != "fr" and not flair_lately:
        plain_question = question and not re.match(r"\W*(and|so|by the way|what about|your turn|y)\b", question, re.I)
        if {"goodbye", "goodnight"} & set(keys):
            reactions.append("Bisous!")
        elif plain_question and rng.random() < 0.3:
            question = rng.choice(FRENCH_OPENERS) + question[0].lower() + question[1:]
        elif rng.random() < 0.7:
            if question:
                question = _before_end(question, ", " + rng.choice(FRENCH_VOCATIVES))
            else:
                reactions[-1] = _before_end(reactions[-1], ", " + rng.choice(FRENCH_VOCATIVES))
    if voice.exclaim:
        reactions = [("¡" if lang == "es" and s.endswith(".") and not re.search(r"[¡?]", s) else "")
                     + re.sub(r"\s*\.$", " !" if lang == "fr" else "!", s) for s in reactions]
    if voice.emoji and (voice.emoji == 2 or rng.random() < 0.4):
        faces = EMOJI[MOODS.get(keys[0] if keys else "", "happy")].split()
        reactions[0] += " " + "".join(rng.sample(faces, 2 if voice.emoji == 2 and rng.random() < 0.3 else 1))
    text = " ".join(reactions + ([question] if question else []))
    return text.lower() if voice.lowercase else text


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


class OfflineReplyProvider(ReplyProvider):
    """Replies in the companion's voice with no network and no model.

    It answers in the user's language (English, French or Spanish), remembers the user's name,
    likes and plans from the conversation, reacts to greetings, questions about her, moods,
    compliments and goodbyes, ends most replies with a question, never repeats her previous
    message and understands photo requests in words (then `Reply.photo_context` is set).
    The same request always gives the same reply.
    """

    name = "offline"

    def compose(self, request: ReplyRequest) -> Reply:
        """Return the companion's reply to request.new_messages."""
        turn = _read_turn(request)
        last = turn.girl_texts[-1] if turn.girl_texts else ""
        text = ""
        for attempt in range(12):
            keys, reactions, question, slots = _draft(turn)
            text = _render(turn, keys, reactions, question, slots)
            asked_lately = question and any(question.casefold() in t.casefold() for t in turn.girl_texts[-3:])
            rejected = any(_same(text, old) for old in request.avoid)
            if not _same(text, last) and not rejected and not (asked_lately and attempt < 6):
                break
        for prefix in PREFIXES[turn.lang]:
            if not _same(text, last):
                break
            keep_case = text.startswith(("I ", "I'", "¡", "¿")) or bool(turn.name and text.startswith(turn.name))
            text = prefix + " " + (text if keep_case else text[:1].lower() + text[1:])
            text = text.lower() if turn.voice.lowercase else text
        return Reply(text=" ".join(text.split()), photo_context=turn.photo)
