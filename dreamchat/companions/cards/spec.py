"""What a character card is to DreamChat: the limits it is read with, CardError, and the ParsedCard result."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from dreamchat.companions.persona import Persona

MAX_CARD_BYTES = 10 * 1024 * 1024
MAX_FIELD_BYTES = 32 * 1024            # each raw text field, checked before any parsing (CARD_MAX_FIELD_BYTES)
MAX_INFLATED_BYTES = 2 * 1024 * 1024    # all inflated chara/ccv3 zTXt/iTXt text together (CARD_MAX_INFLATED_BYTES)
PARSE_TIMEOUT_SECONDS = 5.0             # a card that takes longer is refused (CARD_PARSE_TIMEOUT_SECONDS)
MAX_CHUNKS = 10_000
MAX_IMAGE_PIXELS = 25_000_000           # larger images are not decoded (the card text still is)
AVATAR_SIZE = 512
DEFAULT_AGE = 21

NAME_MAX = 60
TAGLINE_MAX = 200
TAGLINE_SENTENCE_MAX = 120
TEXT_MAX = 4000
SLUG_MAX = 40
INTERESTS_MAX = 6
INTEREST_MAX = 40
TRAITS_MAX = 5

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_KEYWORDS = ("ccv3", "chara")       # ccv3 (V3) wins when both are present
KNOWN_SPECS = ("chara_card_v2", "chara_card_v3")
CARD_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example",
               "creator_notes", "system_prompt", "post_history_instructions", "alternate_greetings",
               "character_book", "tags", "creator", "character_version", "extensions")
# Older exporters (Pygmalion / TavernAI "V0") use these names for the V1 fields.
LEGACY_ALIASES = {"char_name": "name", "char_persona": "description", "char_greeting": "first_mes",
                  "world_scenario": "scenario", "example_dialogue": "mes_example"}
# Tags that say what kind of card it is rather than what the character likes.
META_TAGS = {"nsfw", "sfw", "female", "male", "woman", "man", "oc", "original character", "human",
             "english", "roleplay", "rp", "character", "characters", "bot", "chub", "tavern",
             "sillytavern", "ai", "girl", "boy", "non-human", "nonhuman", "root"}
MINOR_WORDS = re.compile(r"\b(?:loli|lolicon|shota|shotacon|underage|under-age|preteen|pre-teen|jailbait)\b", re.I)
MINOR_TAGS = {"minor", "minors", "child", "children", "kid", "kids", "teen", "teenager", "young teen"}


class CardError(ValueError):
    """The file is not a usable character card; the message says why."""


@dataclass
class ParsedCard:
    persona: Persona
    avatar_png: bytes | None = None
    warnings: list[str] = field(default_factory=list)
    spec: str = "chara_card_v1"          # chara_card_v1, chara_card_v2 or chara_card_v3

    def persona_dict(self) -> dict:
        """The persona in the default_companions.json shape (lists), e.g. for validate_persona()."""
        p = self.persona
        return {"slug": p.slug, "name": p.name, "age": p.age, "tagline": p.tagline,
                "personality": p.personality, "interests": list(p.interests), "style": p.style,
                "greeting": p.greeting, "language": p.language, "colors": list(p.colors),
                "appearance": p.appearance, "city": p.city, "traits": list(p.traits)}
