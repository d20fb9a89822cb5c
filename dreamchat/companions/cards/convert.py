"""A card's fields turned into a Persona: name, tagline, personality, interests, traits, style; parse_card()."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import replace
from typing import Callable

from dreamchat.companions.cards.age import find_age
from dreamchat.companions.cards.files import (avatar_png, card_from_chunks, image_palette, load_json, name_palette,
                                              open_image, scan_png)
from dreamchat.companions.cards.spec import (CARD_FIELDS, INTEREST_MAX, INTERESTS_MAX, KNOWN_SPECS, LEGACY_ALIASES,
                                             MAX_CARD_BYTES, MAX_FIELD_BYTES, MAX_INFLATED_BYTES, META_TAGS, NAME_MAX,
                                             PARSE_TIMEOUT_SECONDS, PNG_SIGNATURE, TAGLINE_MAX,
                                             TAGLINE_SENTENCE_MAX, TEXT_MAX, TRAITS_MAX, CardError, ParsedCard)
from dreamchat.companions.cards.text import clean_text, first_sentence, remove_macros, slugify, truncate
from dreamchat.companions.persona import Persona


def _card_fields(card: dict, warnings: list[str]) -> tuple[dict, str]:
    """The card's fields (V2/V3 `data`, else the flat V1 object) and its spec."""
    spec = card.get("spec")
    data = card.get("data")
    if isinstance(data, dict) and (spec in KNOWN_SPECS or "name" in data):
        if spec not in KNOWN_SPECS:
            warnings.append(f"unknown card spec {spec!r}; read as V2")
            spec = "chara_card_v2"
        fields = {key: card[key] for key in CARD_FIELDS if key in card}  # root mirror, V1 style
        fields.update({key: value for key, value in data.items() if value not in (None, "", [])})
        return fields, spec
    if spec in KNOWN_SPECS:
        raise CardError(f"a {spec} card needs a 'data' object")
    fields = dict(card)
    for old, new in LEGACY_ALIASES.items():
        if not fields.get(new) and isinstance(fields.get(old), str):
            fields[new] = fields[old]
    return fields, "chara_card_v1"


def _capped(text: str, limit: int, label: str, warnings: list[str]) -> str:
    if len(text) > limit:
        warnings.append(f"{label} was shortened to {limit} characters")
        return truncate(text, limit)
    return text


def _interests(tags: object, warnings: list[str]) -> tuple[str, ...]:
    if not isinstance(tags, list):
        return ()
    seen: set[str] = set()
    interests: list[str] = []
    for tag in tags:
        text = clean_text(tag, single_line=True).strip(" #,")
        if not text or text.lower() in META_TAGS or text.lower() in seen:
            continue
        seen.add(text.lower())
        interests.append(truncate(text, INTEREST_MAX))
    if len(interests) > INTERESTS_MAX:
        warnings.append(f"only the first {INTERESTS_MAX} of {len(interests)} tags were kept as interests")
    return tuple(interests[:INTERESTS_MAX])


def _traits(personality: str) -> tuple[str, ...]:
    """Short adjectives from a list-like personality ('shy, kind + bookish'); none from prose."""
    items = re.split(r"\s*(?:[,;/+\n|]|\band\b)\s*", re.sub(r"[\"'“”()\[\]{}]", " ", personality))
    traits: list[str] = []
    for item in (item.strip(" .!-*").lower() for item in items):
        if item and len(item) <= 30 and len(item.split()) <= 3 and re.fullmatch(r"[a-z][a-z -]*", item):
            if item not in traits and item not in ("personality", "traits"):
                traits.append(item)
    return tuple(traits[:TRAITS_MAX]) if len(traits) >= 2 else ()


EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


def _style(greeting: str) -> str:
    """How she writes, guessed from her first message (the words the reply engines look for)."""
    notes: list[str] = []
    if re.search(r"\*[^*\n]{2,}\*", greeting):
        notes.append("roleplays, describing actions in *asterisks*")
    letters = re.sub(r"[^A-Za-z]", "", greeting)
    if letters and letters == letters.lower():
        notes.append("writes in lowercase")
    if greeting.count("!") >= 3:
        notes.append("expressive, with lots of exclamation marks")
    emoji = len(EMOJI.findall(greeting))
    notes += ["lots of emoji"] if emoji >= 3 else ["uses the occasional emoji"] if emoji else []
    if len(greeting) < 120:
        notes.append("short, casual messages")
    elif len(greeting) > 600:
        notes.append("long, descriptive messages")
    return ", ".join(notes) or "friendly and conversational"


# The fields that are parsed (HTML, macros, age); each is checked against the size cap first.
PARSED_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
PARSED_LISTS = ("alternate_greetings", "tags")


def check_field_sizes(fields: dict, limit: int) -> None:
    """CardError naming the field when a text field (or a list's strings together) is over `limit` bytes."""
    def size(value: object) -> int:
        if isinstance(value, str):
            return len(value) if len(value) * 4 <= limit else len(value.encode("utf-8", "surrogatepass"))
        if isinstance(value, list):
            return sum(size(item) for item in value if isinstance(item, str))
        return 0

    for key in PARSED_FIELDS + PARSED_LISTS:
        n = size(fields.get(key))
        if n > limit:
            raise CardError(f"the card's {key!r} field is too long ({n // 1024} KB; at most "
                            f"{limit // 1024} KB per field, CARD_MAX_FIELD_BYTES)")


def _no_check() -> None:
    return None


def card_to_persona(card: dict, warnings: list[str], max_field_bytes: int = MAX_FIELD_BYTES,
                    check: Callable[[], None] = _no_check) -> tuple[Persona, str]:
    fields, spec = _card_fields(card, warnings)
    check_field_sizes(fields, max_field_bytes)
    raw_name = fields.get("name")
    name = clean_text(remove_macros(raw_name), single_line=True) if isinstance(raw_name, str) else ""
    name = _capped(name, NAME_MAX, "name", warnings)
    if not name:
        raise CardError("the card has no name")
    text = {key: clean_text(fields.get(key), name) for key in
            ("description", "personality", "scenario", "first_mes", "mes_example")}
    greetings = [g for g in fields.get("alternate_greetings") or [] if isinstance(g, str)] \
        if isinstance(fields.get("alternate_greetings"), list) else []
    tags = [clean_text(t, single_line=True) for t in fields.get("tags") or []] \
        if isinstance(fields.get("tags"), list) else []

    check()
    age = find_age(text, tags, warnings)
    check()

    slug = slugify(name)
    if not slug:
        slug = "companion-" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        warnings.append(f"the name has no latin letters; using the slug {slug!r}")

    description = text["description"]
    personality = text["personality"]
    if not personality:
        personality = first_sentence(description)
        warnings.append("the card has no personality; using the first sentence of the description")
    if not personality:
        personality = "friendly and curious"
    tagline = truncate(first_sentence(description) or first_sentence(personality) or f"Meet {name}",
                       TAGLINE_SENTENCE_MAX)
    greeting = text["first_mes"]
    if not greeting:
        greeting = next((g for g in (clean_text(g, name) for g in greetings) if g), "")
        if greeting:
            warnings.append("the card has no first message; using its first alternate greeting")
    if not greeting:
        greeting = f"Hi, I'm {name}!"
        warnings.append("the card has no first message; using a plain greeting")
    elif greetings and text["first_mes"]:
        warnings.append(f"{len(greetings)} alternate greeting(s) not imported")

    if isinstance(fields.get("character_book"), dict) and fields["character_book"].get("entries"):
        warnings.append("the lorebook (character_book) is not imported")
    if any(isinstance(fields.get(key), str) and fields[key].strip()
           for key in ("system_prompt", "post_history_instructions")):
        warnings.append("system_prompt and post_history_instructions are not imported")

    persona = Persona(
        slug=slug, name=name, age=age,

        tagline=_capped(tagline, TAGLINE_MAX, "tagline", warnings),
        personality=_capped(personality, TEXT_MAX, "personality", warnings),
        interests=_interests(fields.get("tags"), warnings),
        style=_style(greeting),
        greeting=_capped(greeting, TEXT_MAX, "greeting", warnings),
        language="en",
        colors=name_palette(name),
        appearance=_capped(description, TEXT_MAX, "description", warnings),
        traits=_traits(personality),
    )
    return persona, spec


def parse_card(data: bytes, filename: str = "", *, max_field_bytes: int = MAX_FIELD_BYTES,
               max_inflated_bytes: int = MAX_INFLATED_BYTES,
               timeout: float | None = PARSE_TIMEOUT_SECONDS) -> ParsedCard:
    """A companion from a character card file (JSON, or PNG with a `chara`/`ccv3` chunk).

    Bounded whatever the file: each parsed text field at most max_field_bytes (checked before any
    parsing), the inflated card text at most max_inflated_bytes, and CardError once `timeout`
    seconds have passed (checked between steps). CPU work: callers on the event loop run it off
    the loop (import_card does).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CardError("a card must be given as bytes")
    data = bytes(data)
    label = filename or "the card"
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"{label} is too large ({len(data) // 1024} KB; "
                        f"at most {MAX_CARD_BYTES // 1024 // 1024} MB)")
    if not data.strip():
        raise CardError(f"{label} is empty")
    deadline = time.monotonic() + timeout if timeout else None

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise CardError(f"{label} took too long to read (more than {timeout:g} s, CARD_PARSE_TIMEOUT_SECONDS)")

    warnings: list[str] = []
    image = None
    if data.startswith(PNG_SIGNATURE):
        chunks, image_data = scan_png(data, max_inflated=max_inflated_bytes)
        check()
        card = card_from_chunks(chunks, warnings)
        if card is None:
            raise CardError(f"{label} is a PNG without a character card (no 'chara' or 'ccv3' text chunk)")
        image, image_problem = open_image(image_data)
        if image_problem:
            warnings.append(f"no avatar: {image_problem}")
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        card = load_json(data, label)
    elif data.startswith(b"PK\x03\x04"):
        raise CardError(f"{label} looks like a CharX/zip card; only PNG and JSON cards are supported")
    elif data.startswith((b"\xff\xd8\xff", b"RIFF", b"GIF8")):
        raise CardError(f"{label} is a JPEG/WebP/GIF image; only PNG and JSON cards are supported")
    else:
        raise CardError(f"{label} is neither a PNG nor a JSON character card")
    check()

    persona, spec = card_to_persona(card, warnings, max_field_bytes, check)
    png = None
    if image is not None:
        try:
            png = avatar_png(image)
            check()
            palette = image_palette(image)
            if palette:
                persona = _replace_colors(persona, palette)
        except CardError:
            raise
        except Exception as error:  # a broken image must not sink a readable card
            png = None
            warnings.append(f"no avatar: the image could not be decoded ({error.__class__.__name__})")
    check()
    return ParsedCard(persona=persona, avatar_png=png, warnings=warnings, spec=spec)


def _replace_colors(persona: Persona, colors: tuple[str, str, str]) -> Persona:
    return replace(persona, colors=colors)
