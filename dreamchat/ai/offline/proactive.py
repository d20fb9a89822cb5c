"""The offline companion's first message after a quiet period (ReplyRequest.proactive).

She opens with something the user told her (a plan, a date, something they like: the memory lines)
or a moment of her own day (the persona's daily_life), in the conversation's language (English,
French, Spanish), seeded by the conversation (the same request, the same message) and never the
same as her previous message written first (request.avoid) or one of her recent sentences.
"""
from __future__ import annotations

import hashlib
import random
import re

from dreamchat.ai.base import ReplyRequest
from dreamchat.companions.persona import Persona, with_default_details
from dreamchat.understanding import detect_language

OPENERS = {
    "plan": {
        "en": ["Hey{nv}! I was just thinking about {value}: how did it go?",
               "So... {value}! How was it? I want the whole story.",
               "Random thought: I never asked how {value} went. Tell me?"],
        "fr": ["Coucou{nv} ! Je repensais à {value} : alors, c'était comment ?",
               "Alors, {value} ? Raconte-moi tout !",
               "Je me demandais comment s'était passé {value}. Tu me racontes ?"],
        "es": ["¡Hola{nv}! Estaba pensando en {value}: ¿qué tal fue?",
               "Entonces... ¿{value}? ¡Cuéntamelo todo!"],
    },
    "date": {
        "en": ["Hey{nv}, I remembered your {kind} ({value}). How are you feeling about it?",
               "Little reminder from me: your {kind}, {value}! Anything planned?"],
        "fr": ["Coucou{nv}, j'ai pensé à ton {kind} ({value}). Tu le sens comment ?",
               "Petit rappel de ma part : ton {kind}, {value} ! Tu as prévu quelque chose ?"],
        "es": ["¡Hola{nv}! Me acordé de tu {kind} ({value}). ¿Cómo lo llevas?"],
    },
    "like": {
        "en": ["I came across something about {value} today and thought of you{nv}. How have you been?",
               "Hey{nv}! Still into {value}? I was wondering what you've been up to."],
        "fr": ["Je suis tombée sur un truc sur {value} aujourd'hui et j'ai pensé à toi{nv}. Tu deviens quoi ?",
               "Coucou{nv} ! Toujours fan de {value} ? Je me demandais ce que tu devenais."],
        "es": ["Hoy vi algo sobre {value} y pensé en ti{nv}. ¿Qué tal estás?"],
    },
    "day": {
        "en": ["Hey{nv}! {detail} How's your day going?",
               "Thinking of you{nv}. {detail} What about you, what are you up to?",
               "Hi{nv} 🙂 {detail} Tell me something about your day?"],
        "fr": ["Coucou{nv} ! {detail} Et toi, ta journée ?",
               "Je pensais à toi{nv}. {detail} Tu fais quoi de beau ?",
               "Salut{nv} 🙂 {detail} Raconte-moi ta journée ?"],
        "es": ["¡Hola{nv}! {detail} ¿Qué tal tu día?",
               "Pensaba en ti{nv}. {detail} ¿Qué haces tú?"],
    },
    "plain": {
        "en": ["Hey{nv}! It's been a little quiet here. How are you doing?",
               "Hi{nv} 🙂 I was wondering how your week is going.",
               "Hey{nv}, what's new with you? Tell me something good."],
        "fr": ["Coucou{nv} ! C'est tout calme ici. Comment tu vas ?",
               "Salut{nv} 🙂 Je me demandais comment se passait ta semaine.",
               "Coucou{nv}, quoi de neuf ? Raconte-moi un truc chouette."],
        "es": ["¡Hola{nv}! Todo está muy tranquilo por aquí. ¿Cómo estás?",
               "Hola{nv} 🙂 ¿Qué tal va tu semana?"],
    },
}
DAY_TOPICS = ("now", "day", "evening")


def language_of(request: ReplyRequest, persona: Persona) -> str:
    """The conversation's language: the user's latest messages', else hers."""
    said = [line.content for line in reversed(request.history)  # a voice note's content is its transcript
            if line.sender == "user" and line.type in ("text", "voice")]
    language = next(filter(None, map(detect_language, said[:5])), None) or persona.language or "en"
    return language if language in OPENERS["plain"] else "en"


def _details(persona: Persona, language: str) -> list[str]:
    """Her own day (now, today, tonight) in this language, from the persona's daily_life."""
    details = []
    for topic in DAY_TOPICS:
        value = (persona.daily_life or {}).get(topic)
        if isinstance(value, dict):
            value = value.get(language)
        elif language != (persona.language or "en"):
            continue
        for text in [value] if isinstance(value, str) else value or ():
            if isinstance(text, str) and text.strip() and "?" not in text:
                text = text.strip()
                details.append(text if re.search(r"[.!…]$", text) else text + ".")
    return details


def _memory(request: ReplyRequest) -> tuple[str | None, list[tuple[str, dict]]]:
    """The user's name and what she may bring up from memory, newest first: (kind, slots)."""
    name, found = None, []
    for line in request.memory:
        kind, _, value = line.partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not value:
            continue
        if kind == "name":
            name = value
        elif kind == "plans":
            found.append(("plan", {"value": value}))
        elif kind == "likes":
            found.append(("like", {"value": value}))
        elif kind == "dates":
            what, _, when = value.partition(":")
            if when.strip():
                found.append(("date", {"kind": what.strip(), "value": when.strip()}))
    return name, found[::-1]


def _normalized(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def compose_first_message(request: ReplyRequest) -> str:
    """Her message written first: from memory or her own day, fresh against her recent messages."""
    persona = with_default_details(request.persona)
    language = language_of(request, persona)
    seed = "\x1f".join([request.conversation_key, "proactive", str(len(request.history)), *request.avoid])
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8", "replace")).digest()[:8], "big"))
    name, remembered = _memory(request)
    user_name = re.match(r"[^\W\d_]{2,}", request.user_name or "")
    name = name or (user_name.group(0).capitalize() if user_name else "")
    candidates: list[tuple[str, dict]] = remembered[:3]
    details = _details(persona, language)
    candidates += [("day", {"detail": detail}) for detail in rng.sample(details, len(details))]
    rng.shuffle(candidates)
    candidates.append(("plain", {}))
    avoid = {_normalized(text) for text in request.avoid}
    recent = [_normalized(line.content) for line in request.history[-10:] if line.sender == "girl"]
    for kind, slots in candidates:
        templates = OPENERS[kind][language]
        for template in rng.sample(templates, len(templates)):
            text = template.format(nv=(", " + name) if name and rng.random() < 0.6 else "", **slots)
            normal = _normalized(text)
            if normal not in avoid and normal not in recent and not any(normal in old for old in recent):
                return " ".join(text.split())
    fallback = OPENERS["plain"][language]
    return next((text.format(nv="") for text in fallback if _normalized(text.format(nv="")) not in avoid),
                fallback[0].format(nv=""))
