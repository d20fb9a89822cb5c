"""A companion's portrait: the figure of her selfies, head and shoulders, on a soft background in her colours."""
from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw, ImageFont

from dreamchat.companions.persona import Persona
from dreamchat.photos.local.canvas import INK, RGB, WHITE, Canvas, mix, rgba
from dreamchat.photos.local.figure import draw_figure
from dreamchat.photos.local.look import Look, look_for

PORTRAIT_SIZES = (64, 128, 256)
DEFAULT_PORTRAIT_SIZE = 128
PORTRAIT_STYLE = "portrait-1"  # part of every portrait's version: change it when the drawing changes
CROP_LEFT, CROP_TOP, CROP_SPAN = 0.19, 0.26, 0.62  # the square of the figure kept, in figure coordinates
SUPERSAMPLE = 3


def nearest_size(value: object) -> int:
    """The allowed portrait size closest to value (a query string), the default when it is not a number."""
    try:
        wanted = int(str(value).strip())
    except ValueError:
        return DEFAULT_PORTRAIT_SIZE
    return min(PORTRAIT_SIZES, key=lambda size: (abs(size - wanted), size))


def portrait_look(persona: Persona) -> Look:
    """How she looks in her portrait: the look of her selfies, with no scene-specific extras."""
    return look_for(persona, "selfie", "")


def portrait_version(persona: Persona) -> str:
    """Changes when her portrait would: her look, or the portrait's drawing style."""
    return hashlib.sha256(f"{PORTRAIT_STYLE}|{portrait_look(persona)!r}".encode()).hexdigest()[:16]


def luminance(color: RGB) -> float:
    red, green, blue = color
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def _background(canvas: Canvas, look: Look, rng: random.Random) -> None:
    """Her palette, soft and light; deep behind light hair (silver, white, blonde) so that it stands out."""
    first, second, third = look.palette
    if luminance(look.hair) > 0.6:
        darkest, *_, lightest = sorted(look.palette, key=luminance)
        deep = mix(darkest, INK, 0.15)
        while luminance(deep) > 0.3:  # a pastel palette has no dark colour of its own
            deep = mix(deep, INK, 0.25)
        colors = [deep, mix(deep, lightest, 0.35), mix(lightest, WHITE, 0.35)]
    else:
        colors = [mix(second, WHITE, 0.62), mix(first, WHITE, 0.68), mix(third, WHITE, 0.6)]
    canvas.gradient(colors)
    canvas.glow(0.5, 0.46, 0.32, WHITE, 4, 24)
    for _ in range(9):
        x, y, r = rng.uniform(0.2, 0.8), rng.uniform(0.27, 0.75), rng.uniform(0.02, 0.05)
        canvas.ellipse(x, y, r, r, fill=rgba(mix(rng.choice(look.palette), WHITE, 0.5), 60))


def draw_portrait(persona: Persona, size: int) -> tuple[Image.Image, tuple[float, float]]:
    """Her portrait as an RGB image size x size, and where her head's centre is in it (0..1)."""
    look = portrait_look(persona)
    rng = random.Random(portrait_version(persona))
    canvas = Canvas(round(size * SUPERSAMPLE / CROP_SPAN))
    _background(canvas, look, rng)
    head_x, head_y = draw_figure(canvas, look, rng, head_x=0.5)
    box = [canvas.px(CROP_LEFT), canvas.px(CROP_TOP), canvas.px(CROP_LEFT + CROP_SPAN), canvas.px(CROP_TOP + CROP_SPAN)]
    image = canvas.image.crop(box).resize((size, size), Image.LANCZOS)
    return image, ((head_x - CROP_LEFT) / CROP_SPAN, (head_y - CROP_TOP) / CROP_SPAN)


def render_portrait(persona: Persona, size: int = DEFAULT_PORTRAIT_SIZE) -> bytes:
    """Her portrait as PNG bytes, size x size (an allowed size)."""
    image, _head = draw_portrait(persona, nearest_size(size))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")  # optimize=True: 3% smaller, five times slower
    return buffer.getvalue()


SHEET_CONTEXTS = ("a walk in the city", "stargazing tonight", "a day at the beach", "at the climbing gym")


def contact_sheet(personas: list[Persona]) -> Image.Image:
    """Each companion's portrait above one of her selfies, with her name: to see at a glance they match."""
    from dreamchat.photos.local.provider import draw_photo

    tile, gap, label = 256, 24, 36
    sheet = Image.new("RGB", (gap + len(personas) * (tile + gap), gap + label + 2 * tile + gap), (246, 244, 250))
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default(size=22)
    for index, persona in enumerate(personas):
        left = gap + index * (tile + gap)
        name = persona.name if isinstance(persona.name, str) and persona.name.isascii() else persona.slug
        draw.text((left + tile // 2, gap + label // 2 - 4), name, fill=(45, 30, 45), font=font, anchor="mm")
        sheet.paste(draw_portrait(persona, tile)[0], (left, gap + label))
        selfie = draw_photo(persona, SHEET_CONTEXTS[index % len(SHEET_CONTEXTS)], 1)[0]
        selfie = selfie.resize((tile, tile), Image.LANCZOS)
        sheet.paste(selfie, (left, gap + label + tile + gap // 2))
    return sheet
