"""Reading a card file: the JSON, or the PNG's text chunks (Pillow first, then our own parser), and its avatar."""
from __future__ import annotations

import base64
import binascii
import colorsys
import hashlib
import io
import json
import re
import struct
import zlib

from dreamchat.companions.cards.spec import (AVATAR_SIZE, CARD_KEYWORDS, MAX_CHUNKS, MAX_IMAGE_PIXELS,
                                             MAX_INFLATED_BYTES, PNG_SIGNATURE, CardError)


def load_json(raw: bytes, what: str) -> dict:
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
        return load_json(stripped.encode("utf-8", "surrogatepass"), "the card chunk")
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
    return load_json(raw, "the card chunk")


class _Budget:
    """What is left of the inflated-text budget, shared by every chunk of one file."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def inflate(self, data: bytes) -> bytes:
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, self.left + 1)
        if len(out) > self.left or inflater.unconsumed_tail:
            raise CardError(f"the card's compressed text inflates to more than {self.limit // 1024} KB "
                            f"(the limit is CARD_MAX_INFLATED_BYTES = {self.limit} bytes)")
        self.left -= len(out)
        return out


# Chunks handed to Pillow for the avatar: the image itself, none of the metadata (no text to inflate).
# An APNG's animation chunks are left out too: the avatar is the default image.
IMAGE_CHUNKS = {b"IHDR", b"PLTE", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs", b"IDAT"}


def scan_png(data: bytes, keywords: tuple[str, ...] = CARD_KEYWORDS,
             max_inflated: int = MAX_INFLATED_BYTES) -> tuple[list[tuple[str, str]], bytes]:
    """(keyword, text) of the card text chunks, and the PNG with only its image chunks (for Pillow).

    Only tEXt/zTXt/iTXt chunks whose keyword is one of `keywords` are read; only those are inflated,
    all of them together within `max_inflated` bytes (CardError past it). The first chunk of each
    keyword is kept; once the first keyword (ccv3) is found no further text is read.
    Tolerates bad CRCs, truncation and garbage after IEND; skips chunks it cannot decode.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise CardError("not a PNG file")
    wanted = {keyword.encode("latin-1") for keyword in keywords}
    budget = _Budget(max_inflated)
    chunks: list[tuple[str, str]] = []
    image = [PNG_SIGNATURE]
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
        if kind in IMAGE_CHUNKS:
            image.append(data[pos:pos + 12 + length])
        pos += 12 + length
        if kind == b"IEND":
            break
        if kind not in (b"tEXt", b"zTXt", b"iTXt"):
            continue
        keyword, separator, rest = body.partition(b"\0")
        if not separator or keyword.lower() not in wanted:
            continue
        found = {key.lower() for key, _ in chunks}
        if keyword.decode("latin-1").lower() in found or keywords[0] in found:
            continue  # the first card of each kind is the one read
        try:
            if kind == b"tEXt":
                text = rest.decode("latin-1")
            elif kind == b"zTXt":
                if rest[:1] != b"\0":
                    continue  # only deflate is defined
                text = budget.inflate(rest[1:]).decode("latin-1")
            else:
                if len(rest) < 2:
                    continue
                compressed, method, rest = rest[0], rest[1], rest[2:]
                _language, _, rest = rest.partition(b"\0")
                _translated, _, payload = rest.partition(b"\0")
                if compressed:
                    if method != 0:
                        continue
                    payload = budget.inflate(payload)
                text = payload.decode("utf-8", "replace")
        except zlib.error:
            continue
        chunks.append((keyword.decode("latin-1"), text))
    image.append(struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))
    return chunks, b"".join(image)


def read_png_text_chunks(data: bytes, keywords: tuple[str, ...] = CARD_KEYWORDS,
                         max_inflated: int = MAX_INFLATED_BYTES) -> list[tuple[str, str]]:
    """(keyword, text) of the card's tEXt, zTXt and iTXt chunks (see scan_png)."""
    return scan_png(data, keywords, max_inflated)[0]


def open_image(data: bytes):
    """The PNG opened with Pillow, or None with the reason when Pillow cannot or should not."""
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data), formats=["PNG"])
        if image.width * image.height > MAX_IMAGE_PIXELS:
            return None, f"the image is too large to decode ({image.width}x{image.height})"
        return image, None
    except Exception as error:  # Pillow raises many types for broken files
        return None, f"the image could not be read ({error.__class__.__name__})"


def card_from_chunks(chunks: list[tuple[str, str]], warnings: list[str]) -> dict | None:
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


# Images: the avatar and its palette

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

    small = image
    factor = max(image.size) // 256
    if factor > 1:  # a big image: reduce it before the RGBA copy, not after
        try:
            small = image.reduce(factor)
        except (ValueError, NotImplementedError):
            small = image
    small = small.convert("RGBA")
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
    box = (left, top, left + side, top + side)
    if side > size:  # resize straight from the centre square: no full-size copy of a large image
        square = image.resize((size, size), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    else:
        square = image.crop(box)
    clean = Image.new(square.mode, square.size)
    clean.paste(square)  # a fresh image: no text, EXIF or ICC from the card comes along
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()
