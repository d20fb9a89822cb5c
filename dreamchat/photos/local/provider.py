"""The default offline photo provider: a procedural, Pillow-only illustration.

The companion "takes a photo": a scene picked from keywords in the conversation
(English or French), a sky that follows the time of day, and a cute stylised
figure of the companion drawn from the persona's palette and appearance text.
Everything is drawn at 2x and downscaled with LANCZOS; no network, models or fonts.
"""
from __future__ import annotations

import hashlib
import io
import math
import random
import re
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont
from PIL import features as pil_features

from dreamchat.companions.persona import Persona
from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult, ProgressCallback
from dreamchat.photos.local.canvas import Canvas
from dreamchat.photos.local.figure import draw_figure
from dreamchat.photos.local.look import FRENCH_WORDS, look_for, normalise, scene_for_context, time_of_day, word_set
from dreamchat.photos.local.scenes import SCENES, foreground

OUTPUT_SIZE = 768
SUPERSAMPLE = 2
PLACES: dict[str, tuple[str, str]] = {
    "beach": ("at the beach", "à la plage"), "snow": ("in the snow", "sous la neige"),
    "forest": ("on my hike", "en randonnée"), "gym": ("at the climbing gym", "à la salle d'escalade"),
    "cafe": ("at the café", "au café"), "bedroom": ("at home", "à la maison"),
    "city": ("in the city", "en ville"), "night": ("under the stars", "sous les étoiles"), "selfie": ("", ""),
}
CAPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "beach": (("Here I am at the beach 🌊", "Sun, sand and me at the beach ☀️", "Wish you were at the beach with me 🌊"),
              ("Me voilà à la plage 🌊", "Soleil, sable et moi à la plage ☀️")),
    "snow": (("It's snowing! Bundled up in the snow ❄️", "Snow day, look at all this snow ❄️"),
             ("Il neige ! Regarde toute cette neige ❄️", "Journée sous la neige ❄️")),
    "forest": (("Fresh air and mountains on my hike 🌲", "Made it up the trail, what a view 🏔️"),
               ("Balade en forêt, l'air est si frais 🌲", "Regarde cette vue en montagne 🏔️")),
    "gym": (("Climbing session, my arms are noodles 💪", "At the climbing gym, wish me luck 🧗"),
            ("Séance d'escalade, j'ai les bras en compote 💪",)),
    "cafe": (("Coffee break, come sit with me ☕", "Little café moment just for us ☕"),
             ("Petite pause café, viens t'asseoir ☕", "Un petit café avec moi ? ☕")),
    "bedroom": (("Cozy evening at home 🏠", "Staying in and getting cozy at home 🛋️"),
                ("Soirée cosy à la maison 🏠", "Tranquille à la maison 🛋️")),
    "city": (("Out exploring the city 🏙️", "A little walk through the city streets 🏙️"),
             ("Petite balade en ville 🏙️", "En vadrouille dans les rues de la ville 🏙️")),
    "night": (("Look at all these stars tonight ✨", "Out under the moon and the night sky 🌙"),
              ("Regarde toutes ces étoiles ce soir ✨", "Sous la lune, cette nuit est magnifique 🌙")),
    "selfie": (("Just a quick selfie for you 📸", "Thought you might like a selfie 😊", "Hi from me to you 📸"),
               ("Petit selfie rien que pour toi 📸", "Coucou, un selfie pour toi 😊")),
}


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _vignette(size: int) -> Image.Image:
    small = Image.new("L", (64, 64))
    small.putdata([min(255, int(150 * max(0.0, math.hypot(x - 31.5, y - 31.5) / 45 - 0.55) ** 1.5 * 2.2))
                   for y in range(64) for x in range(64)])
    return small.resize((size, size), Image.BILINEAR)


VIGNETTE = _vignette(OUTPUT_SIZE)


def _watermark(image: Image.Image, name: str) -> None:
    decomposed = unicodedata.normalize("NFKD", name.strip()[:20])
    label = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not label or not all(" " <= ch <= "~" for ch in label):
        return  # the bundled font only covers ASCII: no watermark rather than missing-glyph boxes
    font, draw = _font(20), ImageDraw.Draw(image, "RGBA")
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    x, y = 22, OUTPUT_SIZE - 22 - (bottom - top) - 14
    draw.rounded_rectangle([x, y, x + right - left + 24, y + bottom - top + 14], 14, fill=(20, 16, 30, 90))
    draw.text((x + 12 - left, y + 7 - top), label, font=font, fill=(255, 255, 255, 235))


def caption_for(persona: Persona, context: str, rng: random.Random) -> str:
    """A short caption in the companion's voice for a photo of the context: French when the
    context is, no emoji or lowercase when the persona's style says so."""
    scene = scene_for_context(context)
    time = time_of_day(context, scene)
    french = bool(word_set(context) & FRENCH_WORDS)
    place = PLACES[scene][french]
    if time == "sunset" and place:
        text = f"{'Coucher de soleil' if french else 'Golden hour'} {place} 🌅"
    elif time == "night" and scene not in ("night", "selfie", "bedroom") and place:
        text = f"{'Une soirée' if french else 'Out tonight'} {place} 🌙"
    else:
        text = rng.choice(CAPTIONS[scene][french])
    style = normalise(persona.style if isinstance(persona.style, str) else "")
    if "rarely uses emoji" in style or "no emoji" in style:
        text = re.sub(r"\s*[^\w\s,.!?'’()-]+$", "", text).rstrip()
        text += "" if text.endswith(("!", "?", ".")) else "."
    if "lowercase" in style:
        text = text.lower()
    return text


class LocalPhotoProvider(PhotoProvider):
    """Offline provider: draws a deterministic illustrated "photo" of the companion with Pillow."""

    name = "local"
    cpu_bound = True

    def generate(self, request: PhotoRequest, on_progress: ProgressCallback | None = None) -> PhotoResult:
        image, _head, rng = draw_photo(request.persona, request.context or "", request.seed)
        buffer = io.BytesIO()
        if pil_features.check("webp"):
            image.save(buffer, "WEBP", quality=85, method=4)
            mime = "image/webp"
        else:
            image.save(buffer, "PNG", optimize=False)
            mime = "image/png"
        return PhotoResult(buffer.getvalue(), mime, OUTPUT_SIZE, OUTPUT_SIZE,
                           caption_for(request.persona, request.context or "", rng))


def draw_photo(persona: Persona, context: str, seed: int) -> tuple[Image.Image, tuple[float, float], random.Random]:
    """The photo before encoding, where her head is in it (0..1), and the random source for its caption."""
    key = f"{persona.slug}|{persona.name}|{persona.appearance}|{persona.colors}|{context}|{seed}"
    rng = random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8", "replace")).digest()[:8], "big"))
    scene = scene_for_context(context)
    time = time_of_day(context, scene)
    look = look_for(persona, scene, context)
    canvas = Canvas(OUTPUT_SIZE * SUPERSAMPLE)
    SCENES[scene](canvas, rng, time, look)
    head = draw_figure(canvas, look, rng)
    foreground(canvas, scene, rng, look)
    image = canvas.image.resize((OUTPUT_SIZE, OUTPUT_SIZE), Image.LANCZOS)
    image.paste((24, 16, 40), mask=VIGNETTE)
    _watermark(image, persona.name if isinstance(persona.name, str) else "")
    return image, head, rng
