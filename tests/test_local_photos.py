"""Tests for the offline Pillow photo provider and the palette check."""
from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image, ImageStat

from dreamchat.companions.avatar import DEFAULT_PALETTE, safe_palette
from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.photos.base import PhotoRequest, PhotoResult
from dreamchat.photos.local import LocalPhotoProvider, scene_for_context


@pytest.fixture(scope="module")
def personas() -> dict[str, Persona]:
    return {persona.slug: persona for persona in load_default_personas()}


@pytest.fixture(scope="module")
def provider() -> LocalPhotoProvider:
    return LocalPhotoProvider()


def generate(provider: LocalPhotoProvider, persona: Persona, context: str, seed: int = 1) -> PhotoResult:
    return provider.generate(PhotoRequest(persona=persona, context=context, seed=seed))


def decode(result: PhotoResult) -> Image.Image:
    image = Image.open(io.BytesIO(result.data))
    image.load()
    return image


def test_provider_name() -> None:
    assert LocalPhotoProvider.name == "local"


def test_image_decodes_with_expected_size_and_format(provider, personas) -> None:
    result = generate(provider, personas["emma"], "a day at the beach")
    image = decode(result)
    assert image.format in {"WEBP", "PNG"}
    assert result.mime == f"image/{image.format.lower()}"
    assert image.size == (result.width, result.height)
    assert image.width >= 512 and image.height >= 512


def test_deterministic_for_same_request(provider, personas) -> None:
    first = generate(provider, personas["luna"], "stargazing tonight", seed=42)
    second = generate(provider, personas["luna"], "stargazing tonight", seed=42)
    assert first.data == second.data
    assert first.caption == second.caption


def test_differs_by_seed_context_and_persona(provider, personas) -> None:
    base = generate(provider, personas["emma"], "at the beach", seed=1)
    assert generate(provider, personas["emma"], "at the beach", seed=2).data != base.data
    assert generate(provider, personas["emma"], "in the city", seed=1).data != base.data
    assert generate(provider, personas["zoe"], "at the beach", seed=1).data != base.data


@pytest.mark.parametrize(
    ("context", "scene"),
    [
        ("a day at the beach", "beach"),
        ("Je suis à la plage !", "beach"),
        ("Sunset over the SEA", "beach"),
        ("Looking at the stars tonight", "night"),
        ("les étoiles cette nuit", "night"),
        ("une balade en forêt", "forest"),
        ("hiking in the mountains", "forest"),
        ("walking down a street in Paris", "city"),
        ("making coffee in the kitchen", "cafe"),
        ("il neige !", "snow"),
        ("bouldering at the climbing gym", "gym"),
        ("cozy evening at home", "bedroom"),
        ("send me a picture of you", "selfie"),
        ("", "selfie"),
    ],
)
def test_scene_for_context(context: str, scene: str) -> None:
    assert scene_for_context(context) == scene


def top_brightness(image: Image.Image) -> float:
    top = image.convert("L").crop((0, 0, image.width, image.height // 4))
    return ImageStat.Stat(top).mean[0]


def test_beach_sky_is_brighter_than_night_sky(provider, personas) -> None:
    beach = decode(generate(provider, personas["emma"], "a day at the beach"))
    night = decode(generate(provider, personas["emma"], "out under the stars at night"))
    assert top_brightness(beach) > top_brightness(night) + 60


def test_sunset_changes_the_sky(provider, personas) -> None:
    day = decode(generate(provider, personas["emma"], "at the beach")).convert("RGB")
    sunset = decode(generate(provider, personas["emma"], "sunset at the beach")).convert("RGB")
    day_red, _, day_blue = ImageStat.Stat(day.crop((0, 0, 768, 384))).mean
    sunset_red, _, sunset_blue = ImageStat.Stat(sunset.crop((0, 0, 768, 384))).mean
    assert sunset_red - sunset_blue > day_red - day_blue + 30


def count_near(image: Image.Image, hex_color: str, tolerance: int = 30) -> int:
    target = tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    data = image.convert("RGB").resize((192, 192), Image.NEAREST).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3])
    return sum(1 for pixel in pixels if all(abs(channel - want) <= tolerance for channel, want in zip(pixel, target)))


def test_persona_palette_colour_appears(provider, personas) -> None:
    emma = personas["emma"]
    image = decode(generate(provider, emma, "a quick selfie"))
    assert count_near(image, emma.colors[0]) > 200
    recoloured = replace(emma, colors=("#20c040", "#845ec2", "#ffc75f"))
    assert count_near(decode(generate(provider, recoloured, "a quick selfie")), "#20c040") > 200
    assert count_near(image, "#20c040") < 20


def test_caption_mentions_the_beach(provider, personas) -> None:
    caption = generate(provider, personas["emma"], "a day at the beach").caption
    assert caption.strip() and "beach" in caption.lower()
    french = generate(provider, personas["emma"], "tu es à la plage ?").caption
    assert "plage" in french.lower()


@pytest.mark.parametrize("context", ["", "send a selfie", "night in the city", "café", "il neige", "gym"])
def test_caption_non_empty_for_every_persona(provider, personas, context: str) -> None:
    for persona in personas.values():
        assert generate(provider, persona, context).caption.strip()


@pytest.mark.parametrize("name", ["<script>\u202e", "Zoé", "Łucja 字", "\ud800", ""])
def test_unusual_persona_still_renders(provider, personas, name: str) -> None:
    unusual = replace(personas["emma"], name=name, colors=("red", "#12345", "javascript:"), appearance="((")
    result = generate(provider, unusual, "beach \ud800")
    assert decode(result).width >= 512


def test_caption_follows_persona_style(provider, personas) -> None:
    assert generate(provider, personas["zoe"], "At the Beach").caption.islower()
    luna = generate(provider, personas["luna"], "stargazing tonight").caption
    assert luna.isascii() and luna.endswith((".", "!", "?"))


def test_safe_palette_keeps_valid_colours_and_fills_defaults() -> None:
    assert safe_palette(("#ABCDEF", "nope")) == ("#abcdef", DEFAULT_PALETTE[0], DEFAULT_PALETTE[1])
    assert safe_palette("not-a-list") == DEFAULT_PALETTE
