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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageColor, ImageDraw, ImageFont
from PIL import features as pil_features

from dreamchat.companions.avatar import safe_palette
from dreamchat.companions.persona import Persona
from dreamchat.photos.base import PhotoProvider, PhotoRequest, PhotoResult, ProgressCallback

OUTPUT_SIZE = 768
SUPERSAMPLE = 2
RGB = tuple[int, int, int]
Fill = tuple[int, ...] | None
Points = Sequence[tuple[float, float]]

SCENE_KEYWORDS: tuple[tuple[str, frozenset[str]], ...] = tuple((scene, frozenset(words.split())) for scene, words in (
    ("beach", "beach plage sea mer ocean seaside sand sable surf swim swimming baignade"),
    ("snow", "snow neige winter hiver ski skiing snowy snowing snowman"),
    ("forest", "forest foret hike hiking randonnee mountain montagne park parc woods bois trail nature lake lac"),
    ("gym", "gym climbing climb escalade workout bouldering boulder sport training"),
    ("cafe", "cafe coffee kitchen cuisine cooking cook food breakfast brunch croissant tea restaurant lunch "
             "dinner paella bakery boulangerie dejeuner diner latte"),
    ("bedroom", "bedroom chambre cozy cosy home maison bed couch sofa canape pyjama"),
    ("city", "city ville paris street rue downtown town gallery galerie museum musee metro bridge pont seine"),
    ("night", "night nuit star etoile moon lune stargazing tonight midnight minuit"),
))
SUNSET_WORDS = frozenset("sunset dusk sundown crepuscule sunrise dawn aube evening soir soiree".split())
SUNSET_PHRASES = ("golden hour", "coucher de soleil", "lever de soleil", "soleil couchant")
NIGHT_WORDS = SCENE_KEYWORDS[-1][1]
FRENCH_WORDS = frozenset(
    "la le les une des du au aux je tu moi toi avec et est suis mon ma mes sous dans sur pour chez plage ville nuit "
    "etoile foret montagne neige rue chambre maison soir soiree coucher soleil hiver salut bonjour petit petite "
    "randonnee escalade cuisine lune parc mer sable voici regarde".split()
)
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
HAIR_COLORS: dict[str, str] = {
    "chestnut": "#7a3f26", "auburn": "#8c3b22", "brown": "#5c3a24", "brunette": "#4b2e1f", "dark": "#2a1f24",
    "black": "#1d1a20", "silver": "#d4d8e6", "grey": "#a9adb8", "gray": "#a9adb8", "white": "#eeeef4",
    "blonde": "#ecc66f", "blond": "#ecc66f", "golden": "#e0b050", "red": "#b8412b", "ginger": "#c65a2b",
    "copper": "#b85c30", "teal": "#23a6a6", "pink": "#f08cb8", "blue": "#4a6fd1", "purple": "#8a5bc4",
    "green": "#3fa86b", "lilac": "#b79ce0",
}
EYE_COLORS = {"green": "#4f9a5c", "grey": "#7d8796", "gray": "#7d8796", "blue": "#4a86d0", "brown": "#6b4226",
              "hazel": "#8a6b33", "amber": "#b7812b", "violet": "#7a55c0"}
OUTFIT_COLORS = {"red": "#e0474c", "blue": "#4a78d0", "green": "#4fa36c", "yellow": "#f2c94c", "black": "#2b2b33",
                 "white": "#f4f2ee", "pink": "#f58fb0", "purple": "#8a5bc4", "navy": "#27355f", "grey": "#8c8f99"}
SKIN_TONES = ("#f8d9c4", "#f1c7a5", "#e2b08c", "#c98d66", "#9a6444")
SKIN_WORDS = {"fair": SKIN_TONES[0], "pale": SKIN_TONES[0], "light": SKIN_TONES[1], "olive": SKIN_TONES[2],
              "tan": SKIN_TONES[2], "tanned": SKIN_TONES[2], "brown": SKIN_TONES[3], "dark": SKIN_TONES[4]}
HAIR_LENGTHS = {"short": "short", "pixie": "short", "cropped": "short", "buzzed": "short", "bob": "medium",
                "long": "long", "flowing": "long"}
HAIR_TEXTURES = {"curly": "curly", "afro": "curly", "coily": "curly", "wavy": "wavy", "straight": "straight"}
FEATURE_WORDS: dict[str, tuple[str, ...]] = {
    "glasses": ("glasses", "spectacles", "lunettes"), "beret": ("beret",), "hoodie": ("hoodie", "sweatshirt"),
    "dress": ("dress", "robe", "sundress"), "headphones": ("headphones", "headset"), "freckles": ("freckles",),
    "sweater": ("sweater", "jumper", "pullover", "cardigan", "knit"), "stripes": ("striped", "stripes", "mariniere"),
    "nose_ring": ("nose ring",), "scarf": ("scarf", "echarpe"),
}
SKIES: dict[str, tuple[str, ...]] = {
    "day": ("#5fa8ea", "#9fd0f5", "#d9effb"), "sunset": ("#3f3a8c", "#b4558d", "#ff8f6b", "#ffd59a"),
    "night": ("#070b24", "#17204f", "#2f3670"),
}


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> set[str]:
    tokens = re.findall(r"[a-z]+", _normalise(text))
    return set(tokens) | {token[:-1] for token in tokens if len(token) > 3 and token.endswith("s")}


def scene_for_context(context: str) -> str:
    """The scene key for a context: beach, snow, forest, gym, cafe, bedroom, city, night or selfie."""
    words = _words(context)
    return next((scene for scene, keywords in SCENE_KEYWORDS if words & keywords), "selfie")


def time_of_day(context: str, scene: str) -> str:
    words, text = _words(context), _normalise(context)
    if scene == "night" or words & NIGHT_WORDS:
        return "night"
    if words & SUNSET_WORDS or any(phrase in text for phrase in SUNSET_PHRASES):
        return "sunset"
    return "day"


def _rgb(color: str) -> RGB:
    return ImageColor.getrgb(color)[:3]  # type: ignore[return-value]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _rgba(color: RGB, alpha: int) -> tuple[int, int, int, int]:
    return (*color, alpha)


WHITE, INK = (255, 255, 255), (45, 30, 45)
DIMMING = {"day": 0.0, "sunset": 0.2, "night": 0.55}


def _dim(color: RGB, time: str) -> RGB:
    return _mix(color, (20, 20, 50), DIMMING[time])


class _Canvas:
    """Drawing in relative coordinates (0..1) on a square, alpha-blending RGB image."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.image = Image.new("RGB", (size, size))
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    def px(self, value: float) -> int:
        return round(value * self.size)

    def _box(self, cx: float, cy: float, rx: float, ry: float) -> list[int]:
        return [self.px(cx - rx), self.px(cy - ry), self.px(cx + rx), self.px(cy + ry)]

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: Fill = None, outline: Fill = None,
                width: float = 0) -> None:
        self.draw.ellipse(self._box(cx, cy, rx, ry), fill=fill, outline=outline, width=max(1, self.px(width)))

    def rect(self, x0: float, y0: float, x1: float, y1: float, fill: Fill, radius: float = 0) -> None:
        self.draw.rounded_rectangle([self.px(x0), self.px(y0), self.px(x1), self.px(y1)], self.px(radius), fill)

    def polygon(self, points: Points, fill: Fill) -> None:
        self.draw.polygon([(self.px(x), self.px(y)) for x, y in points], fill=fill)

    def line(self, points: Points, fill: Fill, width: float) -> None:
        self.draw.line([(self.px(x), self.px(y)) for x, y in points], fill=fill, width=max(1, self.px(width)),
                       joint="curve")

    def arc(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Fill,
            width: float) -> None:
        self.draw.arc(self._box(cx, cy, rx, ry), start, end, fill=fill, width=max(1, self.px(width)))

    def chord(self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Fill) -> None:
        self.draw.chord(self._box(cx, cy, rx, ry), start, end, fill=fill)

    def glow(self, cx: float, cy: float, radius: float, color: RGB, alpha: int = 14, rings: int = 6) -> None:
        for ring in range(rings, 0, -1):
            self.ellipse(cx, cy, radius * ring / rings, radius * ring / rings, fill=_rgba(color, alpha))

    def gradient(self, colors: list[RGB], y0: float = 0.0, y1: float = 1.0) -> None:
        steps, top, bottom = 96, self.px(y0), self.px(y1)
        column = Image.new("RGB", (1, steps))
        spans = len(colors) - 1
        column.putdata([_mix(colors[min(int(i / steps * spans), spans - 1)],
                             colors[min(int(i / steps * spans), spans - 1) + 1], (i / steps * spans) % 1)
                        for i in range(steps)])
        self.image.paste(column.resize((self.size, max(1, bottom - top)), Image.BILINEAR), (0, top))

    def fill_masked(self, draw_mask: Callable[[ImageDraw.ImageDraw], object], color: RGB) -> None:
        mask = Image.new("L", self.image.size, 0)
        draw_mask(ImageDraw.Draw(mask))
        self.image.paste(color, mask=mask)


def _ellipse_points(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, steps: int = 36) -> Points:
    cos_a, sin_a = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(cx + rx * math.cos(t) * cos_a - ry * math.sin(t) * sin_a, cy + rx * math.cos(t) * sin_a
             + ry * math.sin(t) * cos_a) for t in (2 * math.pi * i / steps for i in range(steps))]


@dataclass(frozen=True)
class _Look:
    palette: tuple[RGB, RGB, RGB]
    skin: RGB
    hair: RGB
    eyes: RGB
    outfit: RGB
    hair_length: str
    hair_texture: str
    features: frozenset[str]
    paris: bool


def _word_near(text: str, anchor: str, table: dict[str, str], before: bool = True) -> str | None:
    """The table value of the first known word among the few words before (or after) the anchor."""
    pattern = rf"((?:[a-z]+[\s-]+){{0,3}}){anchor}" if before else rf"{anchor}((?:[\s-]+[a-z]+){{0,4}})"
    for match in re.finditer(pattern, text):
        for word in re.findall(r"[a-z]+", match.group(1)):
            if word in table:
                return table[word]
    return None


def _look_for(persona: Persona, scene: str, context: str) -> _Look:
    text = _normalise(persona.appearance if isinstance(persona.appearance, str) else "")
    palette = tuple(_rgb(c) for c in safe_palette(persona.colors))
    slug_hash = int(hashlib.sha256(str(persona.slug).encode("utf-8", "replace")).hexdigest(), 16)
    found = {key for key, words in FEATURE_WORDS.items() if any(re.search(rf"\b{w}", text) for w in words)}
    if scene == "snow":
        found.add("scarf")
    outfit = _word_near(text, "wearing", OUTFIT_COLORS, before=False)
    outfit_rgb = _rgb(outfit) if outfit else palette[0]
    if not outfit and re.search(r"wearing.*\bdark\b", text):
        outfit_rgb = _mix(outfit_rgb, (20, 20, 35), 0.35)
    hair = _word_near(text, "hair", HAIR_COLORS) or _word_near(text, "cheveux", HAIR_COLORS, before=False)
    skin = _word_near(text, "skin", SKIN_WORDS) or SKIN_TONES[slug_hash % len(SKIN_TONES)]
    return _Look(
        palette=palette,  # type: ignore[arg-type]
        skin=_rgb(skin),
        hair=_rgb(hair or ("#5c3a24", "#2a1f24", "#ecc66f", "#7a3f26")[slug_hash % 4]),
        eyes=_rgb(_word_near(text, "eyes", EYE_COLORS) or "#6b4226"),
        outfit=outfit_rgb,
        hair_length=_word_near(text, "hair", HAIR_LENGTHS) or "medium",
        hair_texture=_word_near(text, "hair", HAIR_TEXTURES) or "straight",
        features=frozenset(found),
        paris=bool(_words(f"{context} {persona.city}") & {"paris", "eiffel"}),
    )


def _sky(canvas: _Canvas, time: str, tint: RGB, bottom: float) -> None:
    canvas.gradient([_mix(_rgb(c), tint, 0.12) for c in SKIES[time]], 0.0, bottom)


def _sky_objects(canvas: _Canvas, rng: random.Random, time: str, sky_bottom: float) -> float:
    """Stars and moon, or sun and clouds; returns the x of the moon or sun."""
    if time == "night":
        for _ in range(70):
            x, y, r = rng.random(), rng.random() * sky_bottom, rng.uniform(0.001, 0.0035)
            canvas.ellipse(x, y, r, r, fill=_rgba(WHITE, rng.randint(120, 255)))
        for _ in range(4):
            x, y, r = rng.uniform(0.05, 0.95), rng.uniform(0.03, sky_bottom * 0.6), rng.uniform(0.008, 0.014)
            canvas.glow(x, y, r * 2, (255, 244, 200), 30, 3)
            canvas.polygon([(x - r, y), (x, y - r * 0.18), (x + r, y), (x, y + r * 0.18)], (255, 250, 225))
            canvas.polygon([(x, y - r), (x + r * 0.18, y), (x, y + r), (x - r * 0.18, y)], (255, 250, 225))
        mx, my = rng.choice((0.16, 0.82)), 0.15
        canvas.glow(mx, my, 0.14, (255, 240, 200), 5, 14)
        canvas.fill_masked(lambda d: (d.ellipse(canvas._box(mx, my, 0.055, 0.055), fill=255),
                                      d.ellipse(canvas._box(mx + 0.028, my - 0.018, 0.05, 0.05), fill=0)),
                           (255, 241, 196))
        return mx
    sun_x, sun_y = rng.choice((0.15, 0.2, 0.8, 0.85)), (0.14 if time == "day" else sky_bottom - 0.06)
    sun = (255, 246, 205) if time == "day" else (255, 196, 120)
    canvas.glow(sun_x, sun_y, 0.18, sun, 7, 16)
    canvas.ellipse(sun_x, sun_y, 0.055, 0.055, fill=sun)
    for _ in range(rng.randint(2, 3)):
        cx, cy, w = rng.uniform(0.05, 0.95), rng.uniform(0.06, sky_bottom * 0.55), rng.uniform(0.06, 0.1)
        color = (246, 249, 253) if time == "day" else _mix((255, 205, 200), _rgb(SKIES[time][1]), 0.3)
        for dx, dy, r in ((-w, 0.012, 0.45), (-w * 0.35, -0.01, 0.7), (w * 0.35, 0.0, 0.6), (w, 0.015, 0.4)):
            canvas.ellipse(cx + dx, cy + dy, w * r, w * r * 0.75, fill=color)
    return sun_x


def _scene_beach(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    horizon = 0.56
    _sky(canvas, time, look.palette[1], horizon)
    light_x = _sky_objects(canvas, rng, time, horizon)
    sea = {"day": ("#2a8fd0", "#6fd0e6"), "sunset": ("#5a4a92", "#e08a86"), "night": ("#0e1a45", "#23346e")}[time]
    canvas.gradient([_rgb(sea[0]), _rgb(sea[1])], horizon, 0.8)
    for row in range(7):
        y = horizon + 0.02 + row * 0.03
        for _ in range(3 + row):
            x, w = rng.random(), rng.uniform(0.02, 0.05) * (1 + row * 0.2)
            canvas.arc(x, y, w, w * 0.25, 200, 340, _rgba(WHITE, 70 + row * 12), 0.003)
    if time != "day":
        for row in range(9):
            half, y = 0.06 - row * 0.005, horizon + 0.008 + row * 0.02
            canvas.rect(light_x - half, y, light_x + half, y + 0.006, _rgba((255, 226, 170), 150 - row * 12), 0.003)
    if rng.random() < 0.7:
        bx = rng.choice((0.12, 0.86))
        canvas.polygon([(bx, horizon - 0.055), (bx, horizon - 0.008), (bx + 0.03, horizon - 0.008)], (250, 250, 245))
        canvas.polygon([(bx - 0.03, horizon - 0.006), (bx + 0.04, horizon - 0.006), (bx + 0.03, horizon + 0.004),
                        (bx - 0.02, horizon + 0.004)], _mix(look.palette[0], INK, 0.2))
    canvas.gradient([_dim((246, 222, 172), time), _dim((232, 196, 136), time)], 0.78, 1.0)
    foam = [(x / 20, 0.78 + 0.008 * math.sin(x * 1.7 + rng.random())) for x in range(21)]
    canvas.polygon(foam + [(1.0, 0.77), (0.0, 0.77)], _rgba(_dim(WHITE, time), 200))
    for _ in range(2):
        gx, gy = rng.uniform(0.05, 0.3) + rng.choice((0, 0.62)), rng.uniform(0.2, 0.33)
        canvas.line([(gx - 0.02, gy - 0.008), (gx, gy), (gx + 0.02, gy - 0.008)], _rgba(INK, 150), 0.003)


def _scene_city(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    _sky(canvas, time, look.palette[1], 0.9)
    _sky_objects(canvas, rng, time, 0.5)
    night = time == "night"
    for layer, (base, top) in enumerate(((0.62, 0.3), (0.85, 0.45))):
        shade = _mix(_rgb(SKIES[time][-1]), (40, 40, 70) if night else (90, 100, 135), 0.45 + layer * 0.3)
        x = -0.02
        while x < 1.02:
            w, h = rng.uniform(0.07, 0.13), rng.uniform(0.12, top)
            canvas.rect(x, base - h, x + w, 1.0, shade, 0.004)
            if layer:
                lit = (255, 214, 120) if night else _mix(_rgb("#cfe6ff"), shade, 0.3)
                for wy in range(int(h / 0.045)):
                    for wx in range(int(w / 0.035)):
                        if rng.random() < (0.55 if night else 0.8):
                            x0, y0 = x + 0.012 + wx * 0.035, base - h + 0.02 + wy * 0.045
                            canvas.rect(x0, y0, x0 + 0.016, y0 + 0.022, lit)
            x += w + rng.uniform(0.0, 0.02)
        if look.paris and not layer:
            tx, ty = 0.8, 0.66
            canvas.polygon([(tx - 0.1, ty), (tx - 0.035, ty - 0.2), (tx - 0.008, ty - 0.42), (tx, ty - 0.5),
                            (tx + 0.008, ty - 0.42), (tx + 0.035, ty - 0.2), (tx + 0.1, ty), (tx + 0.055, ty),
                            (tx + 0.03, ty - 0.06), (tx, ty - 0.08), (tx - 0.03, ty - 0.06), (tx - 0.055, ty)],
                           _mix(shade, INK, 0.25))
            for level, half in ((0.2, 0.05), (0.34, 0.028)):
                canvas.rect(tx - half, ty - level - 0.008, tx + half, ty - level + 0.004, _mix(shade, INK, 0.35))
    canvas.gradient([(70, 72, 92), (48, 50, 66)], 0.86, 1.0)
    for lx in (0.08, 0.92):
        canvas.line([(lx, 0.88), (lx, 0.55)], (36, 36, 48), 0.008)
        canvas.glow(lx, 0.55, 0.06, (255, 220, 150), 22 if night else 8, 4)
        canvas.ellipse(lx, 0.55, 0.016, 0.016, fill=(255, 232, 170))


def _scene_night(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    _sky(canvas, "night", look.palette[1], 1.0)
    canvas.glow(0.5, 0.3, 0.6, (150, 150, 255), 3, 8)
    _sky_objects(canvas, rng, "night", 0.75)
    for layer, (y, color) in enumerate(((0.74, (32, 36, 78)), (0.84, (18, 20, 46)))):
        phase = rng.random() * 6
        hills = [(x / 24, y + 0.04 * math.sin(x / 24 * 7 + phase + layer)) for x in range(25)]
        canvas.polygon(hills + [(1.0, 1.0), (0.0, 1.0)], color)


def _pine(canvas: _Canvas, x: float, base: float, height: float, color: RGB, snow: bool) -> None:
    canvas.rect(x - height * 0.04, base - height * 0.15, x + height * 0.04, base, (80, 55, 40))
    for tier in range(3):
        top, width = base - height * (0.45 + tier * 0.28), height * (0.36 - tier * 0.08)
        bottom = base - height * (0.1 + tier * 0.25)
        canvas.polygon([(x, top), (x + width, bottom), (x - width, bottom)], color)
        if snow:
            canvas.polygon([(x, top), (x + width * 0.35, top + (bottom - top) * 0.35),
                            (x - width * 0.35, top + (bottom - top) * 0.35)], (245, 248, 255))


def _landscape(canvas: _Canvas, rng: random.Random, time: str, look: _Look, snow: bool) -> None:
    _sky(canvas, time, look.palette[1], 0.7)
    _sky_objects(canvas, rng, time, 0.55)
    for layer, base in enumerate((0.62, 0.7)):
        color = _dim(_mix((120, 140, 190), (75, 95, 130), layer * 0.6), time)
        peaks, x = [], -0.1
        while x < 1.1:
            peaks += [(x, base), (x + 0.09, base - rng.uniform(0.12, 0.22) + layer * 0.05)]
            x += 0.18
        canvas.polygon(peaks + [(1.1, 1.0), (-0.1, 1.0)], color)
        for px_, py_ in peaks[1::2]:
            canvas.polygon([(px_, py_), (px_ + 0.03, py_ + 0.045), (px_ - 0.03, py_ + 0.045)], (240, 244, 252))
    ground = ((236, 242, 250), (210, 224, 240)) if snow else ((120, 176, 96), (84, 140, 72))
    canvas.gradient([_dim(c, time) for c in ground], 0.74, 1.0)
    tree = _dim((46, 104, 70), time)
    for _ in range(9):
        x = rng.choice((rng.uniform(-0.02, 0.28), rng.uniform(0.72, 1.02)))
        _pine(canvas, x, rng.uniform(0.76, 0.95), rng.uniform(0.18, 0.3), tree, snow)


def _scene_cafe(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    canvas.gradient([_mix((250, 232, 212), look.palette[2], 0.15), (232, 200, 168)])
    canvas.rect(0.04, 0.08, 0.3, 0.5, (120, 86, 64), 0.01)
    window = _Canvas(canvas.px(0.24))
    _sky(window, time, look.palette[1], 1.0)
    canvas.image.paste(window.image.resize((canvas.px(0.24), canvas.px(0.4))), (canvas.px(0.05), canvas.px(0.09)))
    canvas.line([(0.17, 0.09), (0.17, 0.49)], (120, 86, 64), 0.008)
    canvas.line([(0.05, 0.29), (0.29, 0.29)], (120, 86, 64), 0.008)
    for lx in (0.74, 0.9):
        canvas.line([(lx, 0.0), (lx, 0.16)], (80, 60, 50), 0.003)
        canvas.glow(lx, 0.21, 0.09, (255, 220, 150), 14, 5)
        canvas.polygon([(lx - 0.025, 0.16), (lx + 0.025, 0.16), (lx + 0.05, 0.21), (lx - 0.05, 0.21)], look.palette[2])
    for shelf_y in (0.3, 0.42):
        canvas.rect(0.7, shelf_y, 0.98, shelf_y + 0.012, (140, 98, 70))
        for i in range(4):
            jar = look.palette[i % 3]
            canvas.rect(0.72 + i * 0.065, shelf_y - 0.05, 0.765 + i * 0.065, shelf_y, _mix(jar, WHITE, 0.35), 0.01)


def _scene_gym(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    canvas.gradient([(92, 108, 140), (136, 150, 180)])
    for i in range(1, 5):
        canvas.line([(i / 5, 0.0), (i / 5, 1.0)], _rgba(WHITE, 30), 0.003)
        canvas.line([(0.0, i / 5), (1.0, i / 5)], _rgba(WHITE, 30), 0.003)
    holds = [*look.palette, (255, 214, 90), (120, 220, 140), (255, 130, 80)]
    for _ in range(26):
        x, y, r = rng.random(), rng.uniform(0.02, 0.9), rng.uniform(0.014, 0.03)
        points = _ellipse_points(x, y, r * rng.uniform(1.0, 1.6), r, rng.uniform(0, 180), 9)
        canvas.polygon([(px_ + 0.004, py_ + 0.006) for px_, py_ in points], _rgba((20, 20, 40), 80))
        canvas.polygon(points, rng.choice(holds))
    canvas.line([(0.88, 0.0), (0.9, 0.5), (0.87, 1.0)], look.palette[2], 0.008)


def _scene_bedroom(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    wall = _mix(_mix(look.palette[1], (250, 240, 236), 0.78), (110, 80, 110), 0.3 if time == "night" else 0.0)
    canvas.gradient([wall, _mix(wall, (120, 100, 120), 0.25)])
    window = _Canvas(canvas.px(0.26))
    _sky(window, time, look.palette[1], 1.0)
    if time == "night":
        _sky_objects(window, rng, time, 1.0)
    canvas.rect(0.05, 0.12, 0.33, 0.52, (250, 250, 250), 0.01)
    canvas.image.paste(window.image.resize((canvas.px(0.26), canvas.px(0.38))), (canvas.px(0.06), canvas.px(0.13)))
    for side in (0.03, 0.3):
        canvas.rect(side, 0.1, side + 0.05, 0.58, _mix(look.palette[0], WHITE, 0.35), 0.02)
    canvas.rect(0.72, 0.16, 0.92, 0.4, (250, 250, 250), 0.008)
    canvas.rect(0.735, 0.175, 0.905, 0.385, _mix(look.palette[2], WHITE, 0.2), 0.004)
    canvas.ellipse(0.82, 0.3, 0.05, 0.05, fill=_mix(look.palette[0], WHITE, 0.2))
    bulbs = [(i / 14, 0.05 + 0.06 * math.sin(math.pi * i / 14)) for i in range(15)]
    canvas.line(bulbs, (90, 80, 70), 0.003)
    for i, (bx, by) in enumerate(bulbs[1:-1]):
        canvas.glow(bx, by + 0.014, 0.03, (255, 220, 140), 20, 3)
        canvas.ellipse(bx, by + 0.014, 0.008, 0.011, fill=(255, 236, 170) if i % 2 else look.palette[2])
    canvas.rect(0.0, 0.8, 1.0, 1.0, _mix(look.palette[1], WHITE, 0.55), 0.04)
    for px_ in (0.05, 0.78):
        canvas.rect(px_, 0.76, px_ + 0.17, 0.88, _mix(look.palette[0], WHITE, 0.55), 0.05)


def _scene_selfie(canvas: _Canvas, rng: random.Random, time: str, look: _Look) -> None:
    first, second, third = look.palette
    canvas.gradient([_mix(second, WHITE, 0.55), _mix(first, WHITE, 0.6), _mix(third, WHITE, 0.55)])
    canvas.glow(0.5, 0.5, 0.42, WHITE, 6, 12)
    for _ in range(16):
        x, y, r = rng.random(), rng.random() * 0.85, rng.uniform(0.03, 0.09)
        color = _mix(rng.choice(look.palette), WHITE, 0.45)
        canvas.ellipse(x, y, r, r, fill=_rgba(color, 70), outline=_rgba(WHITE, 60), width=0.003)
        canvas.ellipse(x - r * 0.2, y - r * 0.2, r * 0.6, r * 0.6, fill=_rgba(WHITE, 30))


def _draw_hair_back(canvas: _Canvas, look: _Look, hx: float, hy: float) -> None:
    hair = look.hair
    if look.hair_length == "short":
        canvas.ellipse(hx, hy - 0.02, 0.145, 0.162, fill=hair)
        return
    bottom = hy + (0.33 if look.hair_length == "long" else 0.17)
    if look.hair_texture == "curly":
        for t in range(18):
            angle = math.pi * (0.9 + 1.2 * t / 17)
            canvas.ellipse(hx + 0.17 * math.cos(angle), hy + 0.06 - 0.2 * math.sin(angle), 0.06, 0.06, fill=hair)
        for side in (-1, 1):
            for step in range(4):
                canvas.ellipse(hx + side * (0.17 - step * 0.008), hy + 0.06 + step * (bottom - hy) / 4, 0.06, 0.06,
                               fill=hair)
    canvas.ellipse(hx, hy - 0.01, 0.168, 0.18, fill=hair)
    canvas.rect(hx - 0.168, hy - 0.02, hx + 0.168, bottom, hair, 0.08)
    if look.hair_texture == "wavy":
        for side in (-1, 1):
            for step in range(int((bottom - hy) / 0.055)):
                canvas.ellipse(hx + side * (0.165 + 0.012 * (step % 2)), hy + 0.03 + step * 0.055, 0.03, 0.035,
                               fill=hair)


def _draw_outfit(canvas: _Canvas, look: _Look, hx: float) -> None:
    outfit, trim = look.outfit, _mix(look.outfit, INK, 0.25)
    top, features = 0.72, look.features
    if "hoodie" in features:
        canvas.ellipse(hx, top + 0.01, 0.16, 0.07, fill=trim)
    canvas.rect(hx - 0.045, 0.58, hx + 0.045, top + 0.04, look.skin)
    canvas.ellipse(hx, 0.635, 0.05, 0.018, fill=_rgba(_mix(look.skin, INK, 0.3), 60))
    shoulders, body = canvas._box(hx, top + 0.13, 0.31, 0.13), [canvas.px(hx - 0.31), canvas.px(top + 0.13),
                                                                canvas.px(hx + 0.31), canvas.size]

    def torso(draw: ImageDraw.ImageDraw, fill: RGB | int) -> None:
        draw.ellipse(shoulders, fill=fill)
        draw.rectangle(body, fill=fill)

    torso(canvas.draw, look.skin if "dress" in features else outfit)
    if "dress" in features:
        canvas.polygon([(hx - 0.24, 0.8), (hx - 0.1, 0.78), (hx, 0.81), (hx + 0.1, 0.78), (hx + 0.24, 0.8),
                        (hx + 0.3, 1.0), (hx - 0.3, 1.0)], outfit)
        for side in (-1, 1):
            canvas.line([(hx + side * 0.17, 0.8), (hx + side * 0.14, top + 0.012)], outfit, 0.016)
        return
    if "stripes" in features:
        canvas.fill_masked(lambda d: (torso(d, 255),
                                      [d.rectangle([0, canvas.px(top + 0.03 + i * 0.045), canvas.size,
                                                    canvas.px(top + 0.052 + i * 0.045)], fill=0) for i in range(6)]),
                           (250, 248, 244))
    if "sweater" in features:
        canvas.fill_masked(lambda d: (torso(d, 255),
                                      [d.rectangle([canvas.px(hx + i * 0.03), 0, canvas.px(hx + i * 0.03 + 0.02),
                                                    canvas.size], fill=0) for i in range(-12, 12)]),
                           _mix(outfit, WHITE, 0.08))
        canvas.chord(hx, top, 0.085, 0.055, 0, 180, trim)
    neckline = 0.065 if "sweater" not in features else 0.055
    canvas.chord(hx, top - 0.005, neckline, neckline * 0.7, 0, 180, look.skin)
    if "hoodie" in features:
        canvas.arc(hx, top + 0.005, 0.1, 0.06, 10, 170, trim, 0.02)
        for side in (-1, 1):
            canvas.line([(hx + side * 0.035, top + 0.06), (hx + side * 0.04, top + 0.16)], (245, 245, 245), 0.006)
    for side in (-1, 1):
        canvas.line([(hx + side * 0.2, 0.86), (hx + side * 0.215, 1.0)], _rgba(INK, 40), 0.005)


def _draw_face(canvas: _Canvas, look: _Look, rng: random.Random, hx: float, hy: float) -> None:
    for side in (-1, 1):
        ex, ey = hx + side * 0.05, hy + 0.025
        canvas.ellipse(ex, ey, 0.02, 0.027, fill=_mix(look.eyes, INK, 0.6))
        canvas.ellipse(ex, ey + 0.006, 0.015, 0.018, fill=look.eyes)
        canvas.ellipse(ex, ey + 0.004, 0.008, 0.01, fill=_mix(look.eyes, INK, 0.8))
        canvas.ellipse(ex + 0.007, ey - 0.01, 0.006, 0.006, fill=WHITE)
        canvas.ellipse(ex - 0.006, ey + 0.011, 0.003, 0.003, fill=_rgba(WHITE, 200))
        canvas.arc(ex, ey + 0.002, 0.023, 0.03, 200, 340, INK, 0.005)
        canvas.line([(ex + side * 0.021, ey - 0.012), (ex + side * 0.03, ey - 0.02)], INK, 0.004)
        canvas.arc(ex, ey - 0.03, 0.022, 0.012, 210, 330, _mix(look.hair, INK, 0.4), 0.004)
        canvas.ellipse(hx + side * 0.075, hy + 0.07, 0.026, 0.013, fill=(255, 120, 140, 70))
    canvas.arc(hx, hy + 0.058, 0.006, 0.004, 20, 160, _mix(look.skin, INK, 0.35), 0.003)
    if rng.random() < 0.5:
        canvas.chord(hx, hy + 0.083, 0.022, 0.018, 0, 180, (180, 70, 90))
        canvas.chord(hx, hy + 0.095, 0.012, 0.006, 180, 360, (255, 140, 150))
    else:
        canvas.arc(hx, hy + 0.075, 0.022, 0.016, 25, 155, (170, 70, 90), 0.005)
    if "freckles" in look.features:
        for side in (-1, 1):
            for dx, dy in ((0.035, 0.05), (0.05, 0.056), (0.042, 0.064), (0.06, 0.048)):
                canvas.ellipse(hx + side * dx, hy + dy, 0.0022, 0.0022, fill=_rgba(_mix(look.skin, INK, 0.5), 150))
    if "nose_ring" in look.features:
        canvas.arc(hx + 0.008, hy + 0.062, 0.006, 0.006, 300, 120, (225, 225, 235), 0.0025)


def _draw_accessories(canvas: _Canvas, look: _Look, hx: float, hy: float) -> None:
    features, accent, second = look.features, look.palette[2], look.palette[1]
    if "glasses" in features:
        frame = _mix(look.hair, INK, 0.7)
        for side in (-1, 1):
            canvas.ellipse(hx + side * 0.05, hy + 0.027, 0.038, 0.036, fill=_rgba(WHITE, 40), outline=frame,
                           width=0.005)
        canvas.arc(hx, hy + 0.02, 0.013, 0.008, 200, 340, frame, 0.004)
    if "beret" in features:
        canvas.polygon(_ellipse_points(hx + 0.045, hy - 0.135, 0.145, 0.058, 12), second)
        canvas.polygon(_ellipse_points(hx + 0.04, hy - 0.112, 0.12, 0.022, 12), _mix(second, INK, 0.25))
        canvas.line([(hx + 0.03, hy - 0.19), (hx + 0.028, hy - 0.215)], second, 0.01)
    if "headphones" in features:
        canvas.arc(hx, hy - 0.01, 0.16, 0.175, 190, 350, _mix(second, INK, 0.3), 0.018)
        for side in (-1, 1):
            canvas.rect(hx + side * 0.155 - 0.03, hy - 0.01, hx + side * 0.155 + 0.03, hy + 0.08, second, 0.025)
            canvas.rect(hx + side * 0.155 - 0.015, hy + 0.01, hx + side * 0.155 + 0.015, hy + 0.06, accent, 0.012)
    if "scarf" in features:
        canvas.rect(hx - 0.11, 0.71, hx + 0.11, 0.79, accent, 0.04)
        canvas.rect(hx + 0.04, 0.75, hx + 0.1, 0.93, _mix(accent, INK, 0.12), 0.025)


def _draw_figure(canvas: _Canvas, look: _Look, rng: random.Random) -> None:
    hx, hy = 0.5 + rng.uniform(-0.04, 0.04), 0.5
    _draw_hair_back(canvas, look, hx, hy)
    _draw_outfit(canvas, look, hx)
    if look.hair_length != "short":
        for side in (-1, 1):
            length = 0.17 if look.hair_length == "long" else 0.1
            canvas.polygon(_ellipse_points(hx + side * 0.135, hy + 0.05 + length * 0.6, 0.045, length,
                                           side * -6), look.hair)
    for side in (-1, 1):
        canvas.ellipse(hx + side * 0.116, hy + 0.025, 0.022, 0.03, fill=_mix(look.skin, INK, 0.06))
    canvas.ellipse(hx, hy, 0.118, 0.14, fill=look.skin)
    canvas.chord(hx, hy - 0.035, 0.128, 0.12, 180, 360, look.hair)
    canvas.polygon(_ellipse_points(hx - 0.045, hy - 0.05, 0.095, 0.038, 22), look.hair)
    canvas.polygon(_ellipse_points(hx + 0.085, hy - 0.045, 0.05, 0.03, -50), look.hair)
    canvas.arc(hx - 0.02, hy - 0.06, 0.07, 0.06, 200, 300, _rgba(WHITE, 70), 0.006)
    _draw_face(canvas, look, rng, hx, hy)
    _draw_accessories(canvas, look, hx, hy)


def _foreground(canvas: _Canvas, scene: str, rng: random.Random, look: _Look) -> None:
    if scene == "cafe":
        canvas.rect(-0.05, 0.86, 1.05, 1.05, (176, 122, 82), 0.02)
        canvas.rect(-0.05, 0.86, 1.05, 0.875, (200, 150, 105))
        cup, cx = _mix(look.palette[1], WHITE, 0.7), 0.8
        canvas.ellipse(cx, 0.905, 0.1, 0.022, fill=(250, 250, 250))
        canvas.ellipse(cx + 0.065, 0.84, 0.03, 0.03, outline=cup, width=0.012)
        canvas.rect(cx - 0.065, 0.78, cx + 0.065, 0.9, cup, 0.03)
        canvas.ellipse(cx, 0.785, 0.065, 0.014, fill=(120, 72, 44))
        for i in (-1, 0, 1):
            canvas.line([(cx + i * 0.025 + 0.01 * math.sin(t), 0.76 - t * 0.012) for t in range(10)],
                        _rgba(WHITE, 150), 0.006)
        canvas.ellipse(0.2, 0.91, 0.1, 0.025, fill=(250, 250, 250))
        for i, color in enumerate(look.palette):
            canvas.ellipse(0.15 + i * 0.05, 0.89, 0.025, 0.02, fill=_mix(color, WHITE, 0.3))
    elif scene == "snow":
        for _ in range(60):
            x, y, r = rng.random(), rng.random(), rng.uniform(0.003, 0.01)
            canvas.ellipse(x, y, r, r, fill=_rgba(WHITE, rng.randint(150, 240)))


SCENES: dict[str, Callable[[_Canvas, random.Random, str, _Look], None]] = {"beach": _scene_beach, "city": _scene_city, "night": _scene_night, "cafe": _scene_cafe,
          "gym": _scene_gym, "bedroom": _scene_bedroom, "selfie": _scene_selfie,
          "forest": lambda c, r, t, look: _landscape(c, r, t, look, snow=False),
          "snow": lambda c, r, t, look: _landscape(c, r, t, look, snow=True)}


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
    french = bool(_words(context) & FRENCH_WORDS)
    place = PLACES[scene][french]
    if time == "sunset" and place:
        text = f"{'Coucher de soleil' if french else 'Golden hour'} {place} 🌅"
    elif time == "night" and scene not in ("night", "selfie", "bedroom") and place:
        text = f"{'Une soirée' if french else 'Out tonight'} {place} 🌙"
    else:
        text = rng.choice(CAPTIONS[scene][french])
    style = _normalise(persona.style if isinstance(persona.style, str) else "")
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
        persona, context = request.persona, request.context or ""
        key = f"{persona.slug}|{persona.name}|{persona.appearance}|{persona.colors}|{context}|{request.seed}"
        rng = random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8", "replace")).digest()[:8], "big"))
        scene = scene_for_context(context)
        time = time_of_day(context, scene)
        look = _look_for(persona, scene, context)
        canvas = _Canvas(OUTPUT_SIZE * SUPERSAMPLE)
        SCENES[scene](canvas, rng, time, look)
        _draw_figure(canvas, look, rng)
        _foreground(canvas, scene, rng, look)
        image = canvas.image.resize((OUTPUT_SIZE, OUTPUT_SIZE), Image.LANCZOS)
        image.paste((24, 16, 40), mask=VIGNETTE)
        _watermark(image, persona.name if isinstance(persona.name, str) else "")
        buffer = io.BytesIO()
        if pil_features.check("webp"):
            image.save(buffer, "WEBP", quality=85, method=4)
            mime = "image/webp"
        else:
            image.save(buffer, "PNG", optimize=False)
            mime = "image/png"
        return PhotoResult(buffer.getvalue(), mime, OUTPUT_SIZE, OUTPUT_SIZE,
                           caption_for(persona, context, rng))
