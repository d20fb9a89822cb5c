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
read defensively (Pillow first, then a small chunk parser of our own), the avatar is re-encoded
without any metadata, and a card whose character is (or is described as) under 18 is refused.

    parsed = parse_card(path.read_bytes(), path.name)
    parsed.persona, parsed.avatar_png, parsed.warnings
"""
from __future__ import annotations

import base64
import binascii
import colorsys
import hashlib
import io
import json
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser

from dreamchat.companions.persona import Persona

MAX_CARD_BYTES = 10 * 1024 * 1024
MAX_TEXT_BYTES = 16 * 1024 * 1024      # inflated zTXt/iTXt payload, per chunk
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


# --------------------------------------------------------------------------------------------
# Text cleaning
# --------------------------------------------------------------------------------------------

TRANSLITERATE = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe",
                               "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d",
                               "Ð": "d", "þ": "th", "Þ": "th", "ı": "i"})


def slugify(name: str) -> str:
    """Lower-case ASCII letters, digits and dashes, at most 40; '' when nothing is left."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name.translate(TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


class _TextExtractor(HTMLParser):
    """The text of an HTML fragment: tags dropped, entities decoded, block tags -> line breaks."""

    BLOCKS = {"br", "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
              "blockquote", "pre", "hr", "section", "article", "header", "footer"}
    HIDDEN = {"script", "style", "template", "head", "title", "noscript", "iframe", "object", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def strip_html(text: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # HTMLParser is lenient; this is belt and braces
        return re.sub(r"<[^>]*>", "", text)
    return "".join(parser.parts)


LEGACY_CHAR = re.compile(r"<\s*bot\s*>", re.I)
LEGACY_USER = re.compile(r"<\s*user\s*>", re.I)
MACRO_CHAR = re.compile(r"\{\{\s*char\s*\}\}", re.I)
MACRO_USER = re.compile(r"\{\{\s*user\s*\}\}", re.I)
MACRO_NEWLINE = re.compile(r"\{\{\s*newline\s*\}\}", re.I)
MACRO_INNER = re.compile(r"\{\{[^{}]*\}\}")
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _remove_macros(text: str) -> str:
    text = MACRO_NEWLINE.sub("\n", text)
    for _ in range(20):  # innermost first, so nested macros go too
        text, count = MACRO_INNER.subn("", text)
        if not count:
            break
    return text.replace("{{", "").replace("}}", "")


def _normalise(text: str, single_line: bool) -> str:
    text = INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        return re.sub(r"\s+", " ", text).strip()
    lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_text(value: object, name: str = "", single_line: bool = False) -> str:
    """Card text made safe: {{char}} -> name, {{user}} -> 'you', no HTML, no other macros."""
    if not isinstance(value, str):
        return ""
    text = LEGACY_USER.sub("{{user}}", LEGACY_CHAR.sub("{{char}}", value))
    text = strip_html(text)
    text = MACRO_USER.sub("you", MACRO_CHAR.sub(lambda _: name, text))
    return _normalise(_remove_macros(text), single_line)


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when one is near, ending in '…'."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" \n,;:-") + "…"


def first_sentence(text: str) -> str:
    """The first sentence of the first non-empty line."""
    line = next((line.strip() for line in text.split("\n") if line.strip()), "")
    match = re.search(r"[.!?…](?=\s|$)", line)
    return line[:match.end()] if match else line


# --------------------------------------------------------------------------------------------
# Ages
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Reading the card JSON out of the file
# --------------------------------------------------------------------------------------------

def _load_json(raw: bytes, what: str) -> dict:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise CardError(f"{what} is not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as error:
        raise CardError(f"{what} is not valid JSON ({error.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise CardError(f"{what} must be a JSON object")
    return data


BASE64_CHARS = re.compile(r"[A-Za-z0-9+/]+")
BASE64URL_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def decode_card_text(text: str) -> dict:
    """The card dict of a PNG text chunk: base64 of UTF-8 JSON (raw JSON is tolerated)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return _load_json(stripped.encode("utf-8", "surrogatepass"), "the card chunk")
    compact = re.sub(r"\s+", "", stripped).rstrip("=")
    if BASE64_CHARS.fullmatch(compact):
        altchars = None
    elif BASE64URL_CHARS.fullmatch(compact):
        altchars = b"-_"
    else:
        raise CardError("the card chunk is not valid base64")
    try:
        raw = base64.b64decode(compact + "=" * (-len(compact) % 4), altchars=altchars, validate=True)
    except binascii.Error:
        raise CardError("the card chunk is not valid base64") from None
    return _load_json(raw, "the card chunk")


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, MAX_TEXT_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError("compressed text chunk is too large")
    return out


def read_png_text_chunks(data: bytes) -> list[tuple[str, str]]:
    """(keyword, text) of every tEXt, zTXt and iTXt chunk, reading as far as the file allows.

    Tolerates bad CRCs, truncation and garbage after IEND; skips chunks it cannot decode.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise CardError("not a PNG file")
    chunks: list[tuple[str, str]] = []
    pos = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if pos + 8 > len(data):
            break
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if not kind.isalpha():
            break  # lost sync: the rest is garbage
        body = data[pos + 8:pos + 8 + length]
        if len(body) < length:
            break  # truncated chunk
        pos += 12 + length
        if kind == b"IEND":
            break
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        keyword, separator, rest = body.partition(b"\0")
        if not separator or not 1 <= len(keyword) <= 79:
            continue
        try:
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                if rest[:1] != b"\0":
                    continue  # only deflate is defined
                text = _inflate(rest[1:]).decode("latin-1")
            else:
                if len(rest) < 2:
                    continue
                compressed, method, rest = rest[0], rest[1], rest[2:]
                _language, _, rest = rest.partition(b"\0")
                _translated, _, payload = rest.partition(b"\0")
                if compressed:
                    if method != 0:
                        continue
                    payload = _inflate(payload)
                text = payload.decode("utf-8", "replace")
        except (zlib.error, ValueError):
            continue
        chunks.append((keyword.decode("latin-1"), text))
    return chunks


def _open_image(data: bytes):
    """The PNG opened with Pillow, or None with the reason when Pillow cannot or should not."""
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data), formats=["PNG"])
        if image.width * image.height > MAX_IMAGE_PIXELS:
            return None, f"the image is too large to decode ({image.width}x{image.height})"
        return image, None
    except Exception as error:  # Pillow raises many types for broken files
        return None, f"the image could not be read ({error.__class__.__name__})"


def _pillow_text_chunks(image) -> tuple[list[tuple[str, str]], str | None]:
    """Text chunks as Pillow sees them, and what went wrong decoding the image, if anything.

    Reading them decodes the first frame; APNGs are left to our own parser (Pillow would decode
    every frame to reach the last chunks).
    """
    if image is None or getattr(image, "is_animated", False):
        return [], None
    try:
        text = image.text
    except Exception as error:
        return [], f"the image could not be decoded ({error.__class__.__name__})"
    return [(str(key), str(value)) for key, value in text.items()], None


def _card_from_chunks(chunks: list[tuple[str, str]], warnings: list[str]) -> dict | None:
    """The first decodable card among the chunks, ccv3 before chara; CardError if none decodes."""
    first_error: CardError | None = None
    for keyword in CARD_KEYWORDS:
        for key, text in chunks:
            if key.lower() != keyword:
                continue
            try:
                card = decode_card_text(text)
            except CardError as error:
                first_error = first_error or error
                continue
            if first_error is not None:
                warnings.append(f"an unreadable card chunk was skipped ({first_error})")
            return card
    if first_error is not None:
        raise first_error
    return None


# --------------------------------------------------------------------------------------------
# Images: the avatar and its palette
# --------------------------------------------------------------------------------------------

def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def name_palette(name: str) -> tuple[str, str, str]:
    """Three colours picked deterministically from the name's hash."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:4], "big") / 2 ** 32
    spin = 0.08 + digest[4] / 255 * 0.1
    shades = [(hue, 0.58, 0.72), ((hue + spin) % 1, 0.42, 0.55), ((hue + 0.5) % 1, 0.68, 0.85)]
    colors = (_hex(tuple(c * 255 for c in colorsys.hls_to_rgb(*shade))) for shade in shades)
    return tuple(colors)  # type: ignore[return-value]


def image_palette(image) -> tuple[str, str, str] | None:
    """Three colours of the image, the most common first (near-white/black ones last)."""
    from PIL import Image

    small = image.convert("RGBA")
    small.thumbnail((64, 64))
    raw = small.tobytes()
    opaque = b"".join(raw[i:i + 3] for i in range(0, len(raw), 4) if raw[i + 3] >= 128)
    if not opaque:
        return None
    strip = Image.frombytes("RGB", (len(opaque) // 3, 1), opaque)
    quantized = strip.quantize(colors=8, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette() or []
    ranked = []
    for count, index in sorted(quantized.getcolors() or [], reverse=True):
        rgb = tuple(palette[index * 3:index * 3 + 3])
        if len(rgb) < 3:
            continue
        lightness = colorsys.rgb_to_hls(*(c / 255 for c in rgb))[1]
        ranked.append((0 if 0.08 <= lightness <= 0.92 else 1, -count, rgb))
    chosen: list[tuple[int, ...]] = []
    for _, _, rgb in sorted(ranked):
        if all(sum((a - b) ** 2 for a, b in zip(rgb, other)) >= 40 ** 2 for other in chosen):
            chosen.append(rgb)
        if len(chosen) == 3:
            break
    if not chosen:
        return None
    h, l, s = colorsys.rgb_to_hls(*(c / 255 for c in chosen[0]))
    if len(chosen) < 3 and s < 0.15:
        return None  # a plain grey, black or white image: the caller's name palette reads better
    step = 1
    while len(chosen) < 3:  # a plain image: fill with hue-shifted shades of its colour
        shade = ((h + 0.09 * step) % 1, min(0.7, max(0.35, l + (0.12 if step % 2 else -0.12))), max(s, 0.45))
        chosen.append(tuple(round(c * 255) for c in colorsys.hls_to_rgb(*shade)))
        step += 1
    return tuple(_hex(rgb) for rgb in chosen)  # type: ignore[return-value]


def avatar_png(image, size: int = AVATAR_SIZE) -> bytes:
    """The image centre-cropped to a square, at most size x size, re-encoded as a bare PNG."""
    from PIL import Image

    if getattr(image, "is_animated", False):
        image.seek(0)
    image.load()
    if image.has_transparency_data:
        image = image.convert("RGBA")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    side = min(image.width, image.height)
    if side < 1:
        raise ValueError("empty image")
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    if side > size:
        square = square.resize((size, size), Image.Resampling.LANCZOS)
    clean = Image.new(square.mode, square.size)
    clean.paste(square)  # a fresh image: no text, EXIF or ICC from the card comes along
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Card -> Persona
# --------------------------------------------------------------------------------------------

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


def card_to_persona(card: dict, warnings: list[str]) -> tuple[Persona, str]:
    fields, spec = _card_fields(card, warnings)
    raw_name = fields.get("name")
    name = clean_text(_remove_macros(raw_name), single_line=True) if isinstance(raw_name, str) else ""
    name = _capped(name, NAME_MAX, "name", warnings)
    if not name:
        raise CardError("the card has no name")
    text = {key: clean_text(fields.get(key), name) for key in
            ("description", "personality", "scenario", "first_mes", "mes_example")}
    greetings = [g for g in fields.get("alternate_greetings") or [] if isinstance(g, str)] \
        if isinstance(fields.get("alternate_greetings"), list) else []
    tags = [clean_text(t, single_line=True) for t in fields.get("tags") or []] \
        if isinstance(fields.get("tags"), list) else []

    age = find_age(text, tags, warnings)

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


def parse_card(data: bytes, filename: str = "") -> ParsedCard:
    """A companion from a character card file (JSON, or PNG with a `chara`/`ccv3` chunk)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CardError("a card must be given as bytes")
    data = bytes(data)
    label = filename or "the card"
    if len(data) > MAX_CARD_BYTES:
        raise CardError(f"{label} is too large ({len(data) // 1024} KB; "
                        f"at most {MAX_CARD_BYTES // 1024 // 1024} MB)")
    if not data.strip():
        raise CardError(f"{label} is empty")
    warnings: list[str] = []
    image = None
    if data.startswith(PNG_SIGNATURE):
        image, image_problem = _open_image(data)
        pillow_error: CardError | None = None
        chunks, decode_problem = _pillow_text_chunks(image)
        if decode_problem:
            image, image_problem = None, image_problem or decode_problem
        try:
            card = _card_from_chunks(chunks, warnings)
        except CardError as error:  # let our own parser have a go before giving up
            card, pillow_error = None, error
        if card is None:
            card = _card_from_chunks(read_png_text_chunks(data), warnings)
        if card is None and pillow_error is not None:
            raise pillow_error
        if card is None:
            raise CardError(f"{label} is a PNG without a character card (no 'chara' or 'ccv3' text chunk)")
        if image_problem:
            warnings.append(f"no avatar: {image_problem}")
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        card = _load_json(data, label)
    elif data.startswith(b"PK\x03\x04"):
        raise CardError(f"{label} looks like a CharX/zip card; only PNG and JSON cards are supported")
    elif data.startswith((b"\xff\xd8\xff", b"RIFF", b"GIF8")):
        raise CardError(f"{label} is a JPEG/WebP/GIF image; only PNG and JSON cards are supported")
    else:
        raise CardError(f"{label} is neither a PNG nor a JSON character card")

    persona, spec = card_to_persona(card, warnings)
    png = None
    if image is not None:
        try:
            png = avatar_png(image)
            palette = image_palette(image)
            if palette:
                persona = _replace_colors(persona, palette)
        except Exception as error:  # a broken image must not sink a readable card
            png = None
            warnings.append(f"no avatar: the image could not be decoded ({error.__class__.__name__})")
    return ParsedCard(persona=persona, avatar_png=png, warnings=warnings, spec=spec)


def _replace_colors(persona: Persona, colors: tuple[str, str, str]) -> Persona:
    from dataclasses import replace

    return replace(persona, colors=colors)
