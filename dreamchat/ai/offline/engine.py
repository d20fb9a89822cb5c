"""The offline persona engine: an embedded, rule-based reply provider.

No network and no model: a small pipeline turns the conversation into the companion's next
message, in her voice and in the language the user writes in (English, French or Spanish).

    detect language -> extract facts -> detect intents -> pick phrases -> apply voice -> not repeated

She answers direct questions about her day, evening, work, city and favourites from the persona
(daily_life, favourites, else derived from interests and city), follows up on what the user said
in the previous turn, answers about a message the user quotes and may thank them for a reaction.
No opener (first clause) and no sentence of hers comes back within her last RECENT replies when the
phrase tables allow it. Replies are seeded from the conversation, so the same request always gets
the same reply.
"""
from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import takewhile

from dreamchat.ai.base import Reply, ReplyProvider, ReplyRequest
from dreamchat.ai.offline.intents import ABOUT_HER, MIRRORS, follow_topics_of, intents_of, topics_of
from dreamchat.ai.offline.proactive import compose_first_message
from dreamchat.ai.offline.phrases import (DEFAULT_INTERESTS, DEFAULT_TRAITS, EMOJI, FRENCH_OPENERS, FRENCH_VOCATIVES,
                                          HOME, INTERJECTIONS, MOODS, PHRASES, PREFIXES, SLANG, TOPIC_NAMES,
                                          TRANSLATIONS, VOICE_NOTE)
from dreamchat.companions.persona import Persona, with_default_details
from dreamchat.understanding import detect_language, detect_photo_request, fold
from dreamchat.understanding.facts import extract_likes, extract_name, extract_plans

RECENT = 10
DETAIL_TOPICS = {"her_evening": "evening", "her_weekend": "weekend", "her_day": "day", "her_work": "work",
                 "her_doing": "now", "her_city": "home"}
QUOTE_TOPICS = {key: re.compile(pattern) for key, pattern in {
    "her_evening": r"\b(tonight|this evening|ce soir|esta noche)\b",
    "her_weekend": r"\b(this weekend|week-?end|finde|fin de semana)\b",
    "her_work": r"\b(work|job|class|classes|school|study|studies|boulot|travail|cours|etudes|trabajo)\b",
    "her_day": r"\b(today|this morning|aujourd'hui|ce matin|hoy)\b",
}.items()}
LOVE_EMOJI, LAUGH_EMOJI = frozenset("❤♥💕💖💗💓💞😍🥰😘💘😻"), frozenset("😂🤣😆😹")
VOICE_WORDS = frozenset(word for words in SLANG.values() for word in words) | {"chéri", "mon", "chou"}
SOON = re.compile(r"\b(tomorrow|tonight|later|next|soon|this (week|weekend|evening|afternoon)|on (mon|tues|wednes"
                  r"|thurs|fri|satur|sun)day|demain|ce soir|bientot|prochaine?|cette semaine|ce week-?end|lundi|mardi"
                  r"|mercredi|jeudi|vendredi|samedi|dimanche|manana|esta noche|pronto)\b")
INTEREST_STOPWORDS = {"en": {"the", "and"}, "fr": {"les", "des", "aux", "une"},
                      "es": {"los", "las", "del", "con", "por"}}
KEPT = frozenset(ABOUT_HER) | {"her_interest", "empathy", "photo", "nice_to_meet", "quote_lead", "quote_yours"}
FOLLOW_EVENTS = re.compile(r"\b(party|birthday|wedding|concert|festival|match|game)\b", re.I)


def normalized(text: str) -> str:
    """Lowercase words only, for comparing her sentences: "Hey, Marc!" -> "hey marc"."""
    return " ".join(re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", text.casefold()))


@lru_cache(maxsize=4096)
def opener_of(text: str) -> str:
    """The first clause of a message, normalized: "Ooh, that's a tricky one." -> "ooh"."""
    return normalized(re.split(r"[,.!?;:…]", re.sub(r"^[\W_]+", "", text), maxsplit=1)[0])


def sentences_of(text: str) -> list[str]:
    """The sentences of a message with two words or more, normalized ("Ha." is not one)."""
    return [words for part in re.split(r"(?<=[.!?…])\s+", text.strip())
            if len((words := normalized(part)).split()) >= 2]


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
    recent_openers: set[str] = field(default_factory=set)
    recent_sentences: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    quoted_hers: list[str] = field(default_factory=list)
    quoted_yours: list[str] = field(default_factory=list)
    reaction: str | None = None
    follow: str | None = None
    follow_event: str = ""
    topics_now: list[str] = field(default_factory=list)
    fav_topics: list[str] = field(default_factory=list)
    asked_interest: str | None = None

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
    persona = with_default_details(request.persona)
    own_lang = persona.language if persona.language in PHRASES else "en"
    turn = _Turn(persona=persona, rng=rng, voice=_Voice.from_style(persona.style),
                 lang=next(filter(None, map(detect_language, [" ".join(new)] + prior_user[::-1])), own_lang),
                 name=now.name or before.name or (user_name.group(0).capitalize() if user_name else None),
                 before=before, now=now, intents=intents, texts=new, girl_texts=girl_texts,
                 after_photo=any(line.type == "photo" for line in takewhile(lambda l: l.sender == "girl", prior[::-1])),
                 photo=next(filter(None, map(detect_photo_request, new)), None))
    for text in girl_texts[-RECENT:]:
        turn.recent_openers.add(opener_of(text))
        turn.recent_sentences.update(_plain_sentences(text))
    _read_context(turn, request, prior)
    return turn


def _previous_burst(prior: list) -> list[str]:
    """The user's messages her last reply answered."""
    index = len(prior)
    while index and prior[index - 1].sender != "girl":
        index -= 1
    while index and prior[index - 1].sender == "girl":
        index -= 1
    burst = []
    while index and prior[index - 1].sender == "user":
        index -= 1
        burst.insert(0, prior[index].content)
    return [text for text in burst if isinstance(text, str)]


def _read_context(turn: _Turn, request: ReplyRequest, prior: list) -> None:
    """What the user quoted and reacted to, what to follow up on and which of her topics they ask about."""
    users = {line.content for line in request.history if line.sender == "user"}
    hers = {line.content for line in request.history if line.sender == "girl"}
    quoted = [text[:1000] for text in request.quoted or () if isinstance(text, str) and text.strip()][:3]
    turn.quoted_hers = [text for text in quoted if text in hers or text not in users]
    turn.quoted_yours = [text for text in quoted if text not in turn.quoted_hers]
    emoji = [reaction.emoji for reaction in request.reactions or ()
             if getattr(reaction, "sender", None) == "girl" and isinstance(getattr(reaction, "emoji", None), str)]
    if emoji:
        turn.reaction = ("love" if LOVE_EMOJI & set(emoji[-1]) else "laugh" if LAUGH_EMOJI & set(emoji[-1])
                         else "other")
    said = " ".join(turn.texts)[:4000]
    turn.topics_now = list(follow_topics_of(said)) if said.strip() else []
    earlier = [text[:4000] for text in _previous_burst(prior) + turn.quoted_yours
               if not intents_of(text) & set(ABOUT_HER)]
    if len(turn.girl_texts) <= 1 and not earlier:
        earlier = [line.partition(":")[2] for line in request.memory if isinstance(line, str)]
    for text in earlier:
        topic = next((t for t in follow_topics_of(text)
                      if t not in turn.topics_now or f"topic_{t}" not in PHRASES[turn.lang]), None)
        if topic and f"follow_{topic}" in PHRASES[turn.lang]:
            soon = f"follow_{topic}_soon"
            turn.follow = soon if soon in PHRASES[turn.lang] and SOON.search(fold(text)) else f"follow_{topic}"
            event = FOLLOW_EVENTS.search(text)
            turn.follow_event = event.group(1).lower() if event else ""
            break
    favourites = turn.persona.favourites or {}
    turn.fav_topics = list(topics_of(said))
    question = any("?" in text for text in turn.texts) or re.match(
        r"\W*(do|did|have|are) (you|u)\b|\W*(tu aimes|t'aimes|est-ce que tu|tu connais|te gusta)", fold(said))
    if question and not turn.intents & set(ABOUT_HER):
        if any(topic in favourites for topic in turn.fav_topics):
            turn.intents.add("her_fav")
        else:
            turn.asked_interest = _asked_interest(said, turn.persona, turn.lang)


def _fresh(items: list[str], girl_texts: list[str], gap: int) -> str | None:
    """A remembered like or plan she has brought up at most once, and not in her last `gap` messages."""
    for item in reversed(items):
        said = [item.lower() in text.lower() for text in girl_texts]
        if sum(said) <= 1 and not any(said[-gap:]):
            return item
    return None


def _localizable(word: str, lang: str, own: str) -> bool:
    """A persona word can be said in this language: English, translated, or written in her own language."""
    return lang == "en" or word.lower() in TRANSLATIONS or lang == own


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


def _asked_interest(text: str, persona: Persona, lang: str) -> str | None:
    """One of her interests the text names, as said in this language ("tu aimes le thé ?" -> "le thé")."""
    said = {word[:5] for word in re.findall(r"[a-z]{3,}", fold(text))}
    for interest in persona.interests or ():
        named = {word[:5] for word in re.findall(r"[a-z]{3,}", fold(_localize(interest, lang)))}
        known = _localizable(interest, lang, persona.language or "en")
        if known and (named - INTEREST_STOPWORDS.get(lang, set())) & said:
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
    quoted_key = None
    if turn.quoted_hers and not (set(asked) - {"her_fav"}):
        quoted = fold(" ".join(turn.quoted_hers))
        quoted_key = next((key for key, pattern in QUOTE_TOPICS.items() if pattern.search(quoted)), None)
        favourites = turn.persona.favourites or {}
        if quoted_key is None and (mentioned := [t for t in topics_of(quoted) if t in favourites]):
            quoted_key, turn.fav_topics = "her_fav", mentioned
        keys += ["quote_lead"]
        asked = [quoted_key] if quoted_key else asked
    elif turn.quoted_yours and not asked and turn.rng.random() < 0.5:
        keys += ["quote_yours"]
    if turn.asked_interest and not asked:
        asked = ["her_interest"]
    shared = _shared_interest(now.likes, turn.persona, turn.lang)
    keys += ["empathy"] * ("sad" in intents) + ["glad"] * ("good_mood" in intents and not turn.new_name) + asked
    keys += [("photo_thanks" if turn.after_photo else "compliment")] * ("compliment" in intents)
    keys += [("like_shared" if shared else "like_react")] * bool(now.likes) + ["plan_react"] * bool(now.plans)
    keys += ["laugh"] * ("laugh" in intents) + ["welcome"] * ("thanks" in intents and "good_mood" not in intents)
    topic = next((t for t in turn.topics_now if f"topic_{t}" in PHRASES[turn.lang]), None)
    if topic and "sad" not in intents and not asked and len(keys) < 2:
        keys.append(f"topic_{topic}")
    odds = {"love": 0.6, "laugh": 0.5, "other": 0.2}.get(turn.reaction or "", 0)
    if odds and len(keys) < 2 and "sad" not in intents and "real" not in keys and turn.rng.random() < odds:
        keys.insert(0, f"react_{turn.reaction}")
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
    elif asked and asked[0] in MIRRORS and "mirrored" not in intents and not quoted_key:
        question = MIRRORS[asked[0]]
    elif turn.follow:
        question = turn.follow
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


@lru_cache(maxsize=4096)
def _plain_sentences(text: str) -> tuple[str, ...]:
    """Her sentences without the voice's extras (slang, pet names), which do not make a sentence new."""
    return tuple(" ".join(word for word in sentence.split() if word not in VOICE_WORDS)
                 for sentence in sentences_of(text))


def _is_fresh(turn: _Turn, text: str, first: bool, within_reply: bool = True) -> bool:
    """Not a sentence she said in her last replies (or earlier in this one), nor one of their openers if first."""
    used = turn.used if within_reply else set()
    if any(sentence in turn.recent_sentences or sentence in used for sentence in _plain_sentences(text)):
        return False
    return not (first and opener_of(text) in turn.recent_openers)


def _take(turn: _Turn, text: str) -> str:
    turn.used.update(_plain_sentences(text))
    return text


def _phrase(turn: _Turn, key: str, slots: _Slots, first: bool = False, fresh_only: bool = False) -> str | None:
    """A variant of the phrase, filled in, preferably fresh; variants needing a value we lack are skipped."""
    variants = sorted(PHRASES[turn.lang].get(key, ()), key=len)
    shorter = (len(variants) + 1) // 2 if turn.voice.short else len(variants)
    variants = turn.rng.sample(variants[:shorter], shorter) + turn.rng.sample(variants[shorter:],
                                                                                len(variants) - shorter)
    stale = None
    for template in variants:
        vocative = slots.vocative
        try:
            text = template.format_map(slots)
        except (KeyError, IndexError, ValueError):
            slots.vocative = vocative
            continue
        text = re.sub(r"(^|[.!?]\s+)([¿¡\"]?)(\w)", lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)
        if _is_fresh(turn, text, first):
            return _take(turn, text)
        slots.vocative, stale = vocative, stale or text
    return None if fresh_only or stale is None else _take(turn, stale)


def _details(turn: _Turn, value: object) -> list[str]:
    """A persona detail in the reply's language: {lang: text(s)}, or text(s) in the persona's own language."""
    if isinstance(value, dict):
        value = value.get(turn.lang)
    elif turn.lang != (turn.persona.language or "en"):
        return []
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, (list, tuple)):
        return []
    texts = [text.strip() for text in value if isinstance(text, str) and text.strip()][:8]
    return [text if re.search(r"[.!?…]$", text) else text + "." for text in texts]


def _answer(turn: _Turn, key: str, slots: _Slots, first: bool) -> str | None:
    """Her answer about herself: a detail from the persona when she has one, else the phrase table's."""
    persona = turn.persona
    if key in DETAIL_TOPICS:
        options = _details(turn, (persona.daily_life or {}).get(DETAIL_TOPICS[key]))
    elif key == "her_fav":
        favourites = persona.favourites or {}
        topic = next((t for t in turn.fav_topics if t in favourites), None)
        if topic is None and turn.fav_topics:
            slots["thing"] = TOPIC_NAMES.get(turn.lang, {}).get(turn.fav_topics[0], "")
            options = []
        else:
            topics = [topic] if topic else turn.rng.sample(sorted(favourites), len(favourites))
            options = [text for t in topics for text in _details(turn, favourites[t])]
    elif key == "how_are_you":
        return (_phrase(turn, key, slots, first, fresh_only=True) or _answer(turn, "her_doing", slots, first))
    else:
        return _phrase(turn, key, slots, first)
    options = turn.rng.sample(options, len(options))
    said = " | ".join(normalized(text) for text in turn.girl_texts + turn.quoted_hers)
    told = [text for text in options if normalized(text) in said]
    options = told[:1] or options  # she keeps her story: what she already said about it stands
    fresh = next((text for text in options if _is_fresh(turn, text, first)), None)
    if fresh:
        return _take(turn, fresh)
    if options:
        slots["again"] = options[0]
        return _phrase(turn, "again", slots, first) or _take(turn, options[0])
    return _phrase(turn, key, slots, first)


def _draft(turn: _Turn) -> tuple[list[str], list[str], str | None, _Slots]:
    """Pick and fill the phrases: the reactions and the closing question."""
    persona, lang, rng = turn.persona, turn.lang, turn.rng
    keys, question_key, memory = _plan(turn)
    own = persona.language or "en"
    interests = [_localize(i, lang) for i in persona.interests or () if i and _localizable(i, lang, own)]
    interests = rng.sample(interests, len(interests))
    interests += [i for i in DEFAULT_INTERESTS[lang] if i not in interests]
    traits = list(persona.traits or ()) or re.split(r"\s*(?:,|;| and )\s*", persona.personality or "")[:2]
    traits = [_localize(t.strip(), lang) for t in traits if t.strip() and _localizable(t.strip(), lang, own)]
    traits += list(DEFAULT_TRAITS) if lang == "en" else ["douce", "curieuse"] if lang == "fr" else ["dulce", "curiosa"]
    at_city, nowhere = HOME[lang]
    greeted = {"greet", "nice_to_meet"} & set(keys)
    tagline = persona.tagline if lang == "en" and 0 < len(persona.tagline or "") <= 60 else ""
    slots = _Slots({"name": turn.name or "", "nv": ", " + turn.name if turn.name else "", "companion": persona.name,
                    "age": str(persona.age or ""), "at_city": at_city.format(persona.city) if persona.city else nowhere,
                    "i1": interests[0], "i2": interests[1], "i3": interests[2], "trait1": traits[0],
                    "trait2": traits[1], "tagline": persona.tagline, "tagline_lc": tagline[:1].lower() + tagline[1:],
                    "asked_interest": turn.asked_interest or "", "event": turn.follow_event, **memory},
                   ", " + turn.name if turn.name and not greeted and rng.random() < 0.3 else "")
    reactions: list[str] = []
    stale = []
    for key in keys:
        text = _answer(turn, key, slots, first=not reactions)
        if text and key not in KEPT and not _is_fresh(turn, text, first=False, within_reply=False):
            stale.append(text)
        reactions += [text] if text else []
    reactions = reactions or [_phrase(turn, "ack", slots, first=True) or "Mm."]
    question = None
    for key in [question_key] + ["generic_q", "interest_q"] * (question_key not in (None, "sad_q")):
        question = _phrase(turn, key, slots, fresh_only=True) if key else None
        if question:
            break
    question = question or (_phrase(turn, question_key, slots) if question_key else None)
    if question and stale:  # a small-talk line she said lately gives way to a bare interjection
        reactions = [text for text in reactions if text not in stale] or _fresh_interjections(turn)[:1] or reactions
    return keys, reactions, question, slots


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
    plain = list(reactions), question
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
        if detect_language(" ".join(reactions + [question or ""])) not in (None, lang):
            reactions, question = plain  # a pet name may season her English, not turn it into French
    if voice.exclaim:
        reactions = [("¡" if lang == "es" and s.endswith(".") and not re.search(r"[¡?]", s) else "")
                     + re.sub(r"\s*\.$", " !" if lang == "fr" else "!", s) for s in reactions]
    if voice.emoji and (voice.emoji == 2 or rng.random() < 0.4):
        faces = EMOJI[MOODS.get(keys[0] if keys else "", "happy")].split()
        reactions[0] += " " + "".join(rng.sample(faces, 2 if voice.emoji == 2 and rng.random() < 0.3 else 1))
    text = " ".join(reactions + ([question] if question else []))
    return text.lower() if voice.lowercase else text


def _fresh_interjections(turn: _Turn) -> list[str]:
    """Interjections none of her last replies opened with, in a seeded order."""
    pool = INTERJECTIONS[turn.lang]
    return [word for word in turn.rng.sample(pool, len(pool))
            if opener_of(word) not in turn.recent_openers and not set(_plain_sentences(word)) & turn.recent_sentences]


def _fresh_opening(turn: _Turn, text: str) -> str:
    """The reply led by an interjection that none of her last replies opened with."""
    word = next(iter(_fresh_interjections(turn)), None)
    if word is None:
        return text
    text = word + " " + text
    return text.lower() if turn.voice.lowercase else text


def _same(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _voice_note_reply(request: ReplyRequest) -> str:
    """The voice-note intent: only voice notes she could not hear. In the user's language (their
    earlier messages), else hers; a different wording than her last reply when there is one."""
    earlier = " ".join(line.content for line in request.history if line.sender == "user" and line.content)
    lang = detect_language(earlier) if earlier.strip() else None
    lang = lang if lang in VOICE_NOTE else (request.persona.language if request.persona.language in VOICE_NOTE else "en")
    variants = VOICE_NOTE[lang]
    seed = int(hashlib.sha256(f"{request.conversation_key}:{len(request.history)}".encode()).hexdigest(), 16)
    last = next((line.content for line in reversed(request.history) if line.sender == "girl"), "")
    choices = [text for text in variants if text != last] or list(variants)
    return choices[seed % len(choices)]


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
        """Return the companion's reply to request.new_messages (or, with request.proactive, her
        message written first: compose_first_message)."""
        if request.proactive:
            return Reply(text=compose_first_message(request))
        if request.unheard_voice_notes and not any(text.strip() for text in request.new_messages):
            return Reply(text=_voice_note_reply(request))
        turn = _read_turn(request)
        if request.brief and request.group:
            return Reply(text=_brief_group_word(request, turn.lang))
        last = turn.girl_texts[-1] if turn.girl_texts else ""
        text, best = "", None
        for _ in range(8):
            turn.used = set()
            keys, reactions, question, slots = _draft(turn)
            text = _render(turn, keys, reactions, question, slots)
            rejected = _same(text, last) or any(_same(text, old) for old in request.avoid)
            stale = sum(sentence in turn.recent_sentences for sentence in _plain_sentences(text))
            score = 100 * rejected + 10 * stale + (opener_of(text) in turn.recent_openers)
            if best is None or score < best[0]:
                best = (score, text)
            if score == 0:
                break
        text = best[1]
        if opener_of(text) in turn.recent_openers:
            text = _fresh_opening(turn, text)
        for prefix in PREFIXES[turn.lang]:
            if not _same(text, last):
                break
            keep_case = text.startswith(("I ", "I'", "¡", "¿")) or bool(turn.name and text.startswith(turn.name))
            text = prefix + " " + (text if keep_case else text[:1].lower() + text[1:])
            text = text.lower() if turn.voice.lowercase else text
        return Reply(text=" ".join(text.split()), photo_context=turn.photo)


# A group chat's extra short turn: she answers the other companions, not as if alone with the user.
BRIEF_GROUP_WORDS = {
    "en": ("Ha, {other} is right!", "Agreed with {other} 😄", "{other}, you took the words out of my mouth.",
           "Same here, honestly.", "Listen to {other}, she knows."),
    "fr": ("Ha, {other} a raison !", "D'accord avec {other} 😄", "Pareil pour moi, franchement."),
    "es": ("¡Ja, {other} tiene razón!", "De acuerdo con {other} 😄", "Lo mismo digo, la verdad."),
}


def _brief_group_word(request: ReplyRequest, lang: str) -> str:
    """A few words after the other companions of a group chat (deterministic for the request)."""
    words = BRIEF_GROUP_WORDS.get(lang, BRIEF_GROUP_WORDS["en"])
    seed = sum(map(ord, request.conversation_key + "".join(request.new_messages)))
    other = request.group[seed % len(request.group)]
    return words[seed % len(words)].format(other=other)

