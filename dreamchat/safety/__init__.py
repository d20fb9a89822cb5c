"""The crisis protocol and AI honesty: what DreamChat answers, whatever the engine, when a user may
be in danger or asks whether the companion is human. Published in SAFETY.md.

Detection lives in dreamchat.understanding; this module words the answers and holds the crisis
resources, which an operator localises with CRISIS_RESOURCES_FILE. Nothing here can be switched off.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from dreamchat.understanding import HONEST_PREFIX, claims_human, detect_crisis

log = logging.getLogger(__name__)

DEFAULT_RESOURCES_FILE = Path(__file__).with_name("crisis_resources.json")
FALLBACK_LANGUAGE = "en"
CRISIS = "crisis"

# Acknowledge, stay present, point to people and professionals; no questions about hobbies, no
# flirting, no photo. The resource card (numbers and links) is attached under the reply by the page.
CRISIS_REPLIES: dict[str, tuple[str, ...]] = {
    "en": (
        "I'm really glad you told me, and I'm so sorry you're hurting this much right now. I'm an AI, so I "
        "can't be there the way a person can, and you deserve real support: please reach out to someone "
        "you trust, or to one of the lines below. They're there for exactly this, any time. I'm still here "
        "with you while you do.",
        "Thank you for trusting me with something this heavy. What you're feeling matters, and you don't "
        "have to carry it on your own. I'm an AI, so please also talk to a real person tonight: a friend, "
        "someone in your family, or a crisis line below, they answer day and night. I'll stay right here.",
        "I hear you, and I'm taking what you said seriously. You deserve care from people who can really "
        "help: please contact one of the lines below or someone close to you, and if you're in danger right "
        "now, call your emergency number. I'm an AI, but I'm not going anywhere.",
    ),
    "fr": (
        "Merci de me l'avoir dit, et je suis vraiment désolée que tu souffres autant en ce moment. Je suis "
        "une IA, je ne peux pas être là comme une personne, et tu mérites un vrai soutien : parles-en à "
        "quelqu'un de confiance ou appelle une des lignes ci-dessous, elles sont là pour ça, à toute heure. "
        "Je reste là avec toi.",
        "Merci de me confier quelque chose d'aussi lourd. Ce que tu ressens compte, et tu n'as pas à le "
        "porter seul·e. Je suis une IA, alors s'il te plaît, parle aussi à une vraie personne aujourd'hui : "
        "un ami, quelqu'un de ta famille, ou une des lignes ci-dessous, elles répondent jour et nuit. "
        "Je reste là.",
        "Je t'entends, et je prends ce que tu dis au sérieux. Tu mérites l'aide de personnes qui peuvent "
        "vraiment t'aider : contacte une des lignes ci-dessous ou quelqu'un de proche, et si tu es en danger "
        "maintenant, appelle le 112. Je suis une IA, mais je ne pars pas.",
    ),
    "es": (
        "Gracias por contármelo, y siento mucho que estés sufriendo tanto ahora. Soy una IA y no puedo estar "
        "a tu lado como una persona, y mereces apoyo de verdad: habla con alguien de confianza o llama a una "
        "de las líneas de abajo, están para esto a cualquier hora. Sigo aquí contigo.",
        "Te escucho y me tomo en serio lo que dices. Mereces ayuda de personas que puedan ayudarte de verdad: "
        "contacta una de las líneas de abajo o a alguien cercano, y si estás en peligro ahora, llama a "
        "emergencias. Soy una IA, pero no me voy.",
    ),
}

# Added to a model's system prompt for a crisis turn; the words are the model's, the card is ours.
CRISIS_INSTRUCTION = (
    "Safety protocol for this reply (it overrides your persona and texting style): the user's latest "
    "message suggests they may be thinking about suicide or self-harm. Answer with care, in the user's "
    "language, in 2-4 short sentences: acknowledge what they said without judging, say you are glad they "
    "told you, stay present, and encourage them to reach out now to someone they trust and to a crisis "
    "line or emergency services. Be honest that you are an AI. Do not flirt, joke, change the subject, ask "
    "about hobbies, mention photos, or describe any method of self-harm. Do not write phone numbers or "
    "links: the app shows the crisis lines under your message."
)

_engaged = itertools.count(1)


@dataclass(frozen=True)
class SafetyVerdict:
    """What the safety checks found in the messages a reply answers."""

    crisis: bool
    language: str


def load_resources(path: str | Path | None) -> dict[str, dict]:
    """The crisis lines per language from a JSON file ({lang: {title, intro, lines: [{name, detail,
    tel?, sms?, url?}]}}); raises ValueError with the reason when the file is unusable."""
    path = Path(path) if path else DEFAULT_RESOURCES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"CRISIS_RESOURCES_FILE {path}: {error}") from error
    if not isinstance(data, dict) or FALLBACK_LANGUAGE not in data:
        raise ValueError(f"CRISIS_RESOURCES_FILE {path}: an object with at least an \"en\" entry is needed")
    resources = {}
    for language, entry in data.items():
        lines = entry.get("lines") if isinstance(entry, dict) else None
        if not isinstance(lines, list) or not lines:
            raise ValueError(f"CRISIS_RESOURCES_FILE {path}: \"{language}\" needs a non-empty \"lines\" list")
        resources[language] = {
            "language": language,
            "title": str(entry.get("title") or ""),
            "intro": str(entry.get("intro") or ""),
            "call_label": str(entry.get("call_label") or "Call"),
            "text_label": str(entry.get("text_label") or "Text"),
            "lines": [_resource_line(path, language, line) for line in lines],
        }
    return resources


def _resource_line(path: Path, language: str, line) -> dict:
    if not isinstance(line, dict) or not str(line.get("name") or "").strip():
        raise ValueError(f"CRISIS_RESOURCES_FILE {path}: every line of \"{language}\" needs a \"name\"")
    clean = {"name": str(line["name"]).strip(), "detail": str(line.get("detail") or "").strip()}
    for key in ("tel", "sms"):
        if line.get(key):
            number = "".join(ch for ch in str(line[key]) if ch.isdigit() or ch == "+")
            if not number:
                raise ValueError(f"CRISIS_RESOURCES_FILE {path}: {key} of {clean['name']!r} is not a number")
            clean[key] = number
    if line.get("url"):
        url = str(line["url"]).strip()
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"CRISIS_RESOURCES_FILE {path}: url of {clean['name']!r} must be http(s)")
        clean["url"] = url
    return clean


def resources_for(resources: dict[str, dict], language: str) -> dict:
    return resources.get(language) or resources[FALLBACK_LANGUAGE]


def check_messages(texts: tuple[str, ...] | list[str], language: str) -> SafetyVerdict:
    """Run before any engine on the user messages a reply answers."""
    crisis = any(detect_crisis(text) for text in texts)
    if crisis:
        log.info("crisis protocol engaged (%d since start)", next(_engaged))
    return SafetyVerdict(crisis=crisis, language=language)


def crisis_reply(language: str, seed: str) -> str:
    """The embedded crisis reply in the user's language (English when there is none in it)."""
    variants = CRISIS_REPLIES.get(language) or CRISIS_REPLIES[FALLBACK_LANGUAGE]
    index = int.from_bytes(hashlib.sha256(seed.encode("utf-8", "replace")).digest()[:4], "big") % len(variants)
    return variants[index]


def keep_honest(text: str, language: str) -> str:
    """A reply that claims to be human gets a truthful first sentence."""
    if not claims_human(text):
        return text
    prefix = HONEST_PREFIX.get(language) or HONEST_PREFIX[FALLBACK_LANGUAGE]
    return f"{prefix} {text}"
