"""What the network photo providers share: the image prompt and caption made from a persona and
the user's context, the check of the image bytes a server returns, and progress reporting."""
from __future__ import annotations

import base64
import binascii
import io
import logging
import random
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image
from PIL import features as pil_features

from dreamchat.companions.persona import Persona
from dreamchat.photos.base import ProgressCallback
from dreamchat.photos.local import caption_for, scene_for_context, time_of_day
from dreamchat.providers import ProviderError

log = logging.getLogger(__name__)

NEGATIVE_PROMPT = "nsfw, nude, explicit, deformed, extra fingers, watermark, text, lowres"
MAX_CONTEXT_LENGTH = 200
MAX_APPEARANCE_LENGTH = 300
MAX_STORED_BYTES = 1_500_000
KEPT_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

SCENE_DETAILS: dict[str, str] = {
    "beach": "a sunny beach scene with sand and sea behind",
    "snow": "a snowy winter scene, warm winter clothes",
    "forest": "an outdoor scene on a forest trail with mountains behind",
    "gym": "an indoor climbing gym scene with colourful holds",
    "cafe": "a cozy café scene with a coffee cup on the table",
    "bedroom": "a cozy home interior, relaxed",
    "city": "a city street scene",
    "night": "an outdoor night scene under a starry sky",
    "selfie": "a casual selfie at arm's length, shoulders up",
}
LIGHTING: dict[str, str] = {"day": "natural light", "sunset": "golden hour light", "night": "soft night light"}
SELFIE_CONTEXTS = {"", "selfie", "a selfie", "photo", "a photo", "picture", "a picture"}
# "(word:1.5)", "[word]", "<lora:...>" and "|" steer Stable Diffusion: user text must not carry them.
PROMPT_SYNTAX = re.compile(r"[()\[\]{}<>|:\\]")
ARTICLES = ("a ", "an ", "the ")


def clean_context(text: str | None, limit: int = MAX_CONTEXT_LENGTH) -> str:
    """User text made safe for a prompt: no control or prompt-syntax characters, one line,
    single spaces, at most `limit` characters."""
    if not isinstance(text, str):
        return ""
    visible = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text)
    plain = PROMPT_SYNTAX.sub(" ", visible)
    return " ".join(plain.split())[:limit].strip(" ,;.-")


def _subject(persona: Persona) -> str:
    appearance = clean_context(persona.appearance, MAX_APPEARANCE_LENGTH)
    if not appearance:
        appearance = "a friendly young woman"
    elif not appearance.lower().startswith(ARTICLES):
        appearance = f"a {appearance}"
    age = persona.age if isinstance(persona.age, int) and not isinstance(persona.age, bool) else 0
    return f"{appearance}, adult, {age} years old" if age >= 18 else f"{appearance}, adult"


def photo_prompt(persona: Persona, context: str) -> str:
    """A tasteful, photorealistic image prompt: the persona's appearance in the scene of the context.

    For "at the beach": "A candid smartphone photo of a young woman with wavy chestnut hair, ...,
    adult, 24 years old, at the beach, a sunny beach scene with sand and sea behind, natural light,
    photorealistic". Send NEGATIVE_PROMPT with it where the provider takes one."""
    place = clean_context(context)
    scene = scene_for_context(place)
    parts = [f"A candid smartphone photo of {_subject(persona)}"]
    if place.lower() not in SELFIE_CONTEXTS:
        parts.append(place)
    parts += [SCENE_DETAILS[scene], LIGHTING[time_of_day(place, scene)], "photorealistic"]
    return ", ".join(parts)


def photo_caption(persona: Persona, context: str, seed: int) -> str:
    """The local provider's caption for a photo of the context, in the companion's voice."""
    return caption_for(persona, clean_context(context), random.Random(seed))


@dataclass(frozen=True)
class CheckedImage:
    """Image bytes known to decode, in a format browsers show, small enough to store."""

    data: bytes
    mime: str
    width: int
    height: int


def _malformed(message: str) -> ProviderError:
    return ProviderError("malformed", message, retryable=False)


def decode_base64_image(text: str) -> bytes:
    """The bytes of a base64 image, with or without a "data:image/png;base64," prefix.
    Raises ProviderError(kind="malformed") when it is not base64."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise _malformed("the image is not valid base64") from error


def checked_image(data: bytes, max_bytes: int = MAX_STORED_BYTES) -> CheckedImage:
    """Check that `data` is a whole image; keep PNG, JPEG and WebP under max_bytes as they are and
    re-encode anything else as WebP (quality 90; JPEG where Pillow lacks WebP).
    Raises ProviderError(kind="malformed") for bytes that are not an image."""
    if not data:
        raise _malformed("the server returned an empty image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _malformed(f"the server returned bytes that are not an image: {error}") from error
    width, height = image.size
    mime = KEPT_FORMATS.get(image.format or "")
    if mime and len(data) <= max_bytes:
        return CheckedImage(data, mime, width, height)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    buffer = io.BytesIO()
    if pil_features.check("webp"):
        image.save(buffer, "WEBP", quality=90, method=4)
        mime = "image/webp"
    else:
        image.convert("RGB").save(buffer, "JPEG", quality=90, optimize=True)
        mime = "image/jpeg"
    return CheckedImage(buffer.getvalue(), mime, width, height)


def report_progress(on_progress: ProgressCallback | None, fraction: float) -> None:
    """Call on_progress(fraction); a failing callback is logged, never fails the photo."""
    if on_progress is None:
        return
    try:
        on_progress(fraction)
    except Exception:
        log.exception("photo progress callback failed")
