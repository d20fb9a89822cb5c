"""Import companions from character cards (Character Card V1/V2/V3) as SillyTavern exports them.

A card is either a JSON file or a PNG whose ``tEXt`` chunk ``chara`` (V1/V2) or ``ccv3`` (V3)
holds the card JSON, base64-encoded. V2 and V3 nest the fields in ``data``::

    {"spec": "chara_card_v2", "spec_version": "2.0",
     "data": {"name", "description", "personality", "scenario", "first_mes", "mes_example",
              "creator_notes", "system_prompt", "post_history_instructions",
              "alternate_greetings", "character_book", "tags", "creator", "character_version",
              "extensions"}}

V1 cards are the flat form (name, description, personality, scenario, first_mes, mes_example).

Cards are untrusted: every text field is stripped of HTML and ``{{macros}}`` and capped, the PNG is
read by a small chunk parser of our own (Pillow only sees the image chunks, for the avatar), the
avatar is re-encoded without any metadata, and a card whose character is (or is described as) under
18 is refused. Hostile files are bounded: each parsed text field is capped before any parsing
(CARD_MAX_FIELD_BYTES), only the first `chara`/`ccv3` chunks are inflated, within a total budget
(CARD_MAX_INFLATED_BYTES), and parsing stops after CARD_PARSE_TIMEOUT_SECONDS; the refusal names the
limit. `import_card` runs the parsing off the event loop.

    parsed = parse_card(path.read_bytes(), path.name)
    parsed.persona, parsed.avatar_png, parsed.warnings
"""
from dreamchat.companions.cards.convert import parse_card
from dreamchat.companions.cards.files import read_png_text_chunks
from dreamchat.companions.cards.spec import DEFAULT_AGE, MAX_CARD_BYTES, CardError, ParsedCard
from dreamchat.companions.cards.text import slugify

__all__ = ["DEFAULT_AGE", "MAX_CARD_BYTES", "CardError", "ParsedCard", "parse_card", "read_png_text_chunks", "slugify"]
