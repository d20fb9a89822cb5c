"""What the local photo maker reads from a request: the scene and time of day in the context, and how the
companion looks (hair, eyes, skin, outfit, accessories) from her appearance text and palette."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from dreamchat.companions.avatar import safe_palette
from dreamchat.companions.persona import Persona
from dreamchat.photos.local.canvas import RGB, mix, rgb

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


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def word_set(text: str) -> set[str]:
    tokens = re.findall(r"[a-z]+", normalise(text))
    return set(tokens) | {token[:-1] for token in tokens if len(token) > 3 and token.endswith("s")}


def scene_for_context(context: str) -> str:
    """The scene key for a context: beach, snow, forest, gym, cafe, bedroom, city, night or selfie."""
    words = word_set(context)
    return next((scene for scene, keywords in SCENE_KEYWORDS if words & keywords), "selfie")


def time_of_day(context: str, scene: str) -> str:
    words, text = word_set(context), normalise(context)
    if scene == "night" or words & NIGHT_WORDS:
        return "night"
    if words & SUNSET_WORDS or any(phrase in text for phrase in SUNSET_PHRASES):
        return "sunset"
    return "day"


@dataclass(frozen=True)
class Look:
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


def look_for(persona: Persona, scene: str, context: str) -> Look:
    text = normalise(persona.appearance if isinstance(persona.appearance, str) else "")
    palette = tuple(rgb(c) for c in safe_palette(persona.colors))
    slug_hash = int(hashlib.sha256(str(persona.slug).encode("utf-8", "replace")).hexdigest(), 16)
    found = {key for key, words in FEATURE_WORDS.items() if any(re.search(rf"\b{w}", text) for w in words)}
    if scene == "snow":
        found.add("scarf")
    outfit = _word_near(text, "wearing", OUTFIT_COLORS, before=False)
    outfit_rgb = rgb(outfit) if outfit else palette[0]
    if not outfit and re.search(r"wearing.*\bdark\b", text):
        outfit_rgb = mix(outfit_rgb, (20, 20, 35), 0.35)
    hair = _word_near(text, "hair", HAIR_COLORS) or _word_near(text, "cheveux", HAIR_COLORS, before=False)
    skin = _word_near(text, "skin", SKIN_WORDS) or SKIN_TONES[slug_hash % len(SKIN_TONES)]
    return Look(
        palette=palette,  # type: ignore[arg-type]
        skin=rgb(skin),
        hair=rgb(hair or ("#5c3a24", "#2a1f24", "#ecc66f", "#7a3f26")[slug_hash % 4]),
        eyes=rgb(_word_near(text, "eyes", EYE_COLORS) or "#6b4226"),
        outfit=outfit_rgb,
        hair_length=_word_near(text, "hair", HAIR_LENGTHS) or "medium",
        hair_texture=_word_near(text, "hair", HAIR_TEXTURES) or "straight",
        features=frozenset(found),
        paris=bool(word_set(f"{context} {persona.city}") & {"paris", "eiffel"}),
    )
