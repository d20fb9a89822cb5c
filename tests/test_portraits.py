"""Companion portraits: drawn by the local photo maker, served at /companions/<slug>/avatar, cached."""
from __future__ import annotations

import io
import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
import requests
from PIL import Image

import dreamchat.offload
from dreamchat.companions import routes
from dreamchat.companions.avatar import DEFAULT_PALETTE
from dreamchat.companions.persona import Persona, load_default_personas
from dreamchat.extensions import db
from dreamchat.models import Companion
from dreamchat.photos.base import PhotoRequest
from dreamchat.photos.local import LocalPhotoProvider
from dreamchat.photos.local.canvas import rgb
from dreamchat.photos.local.look import look_for
from dreamchat.photos.local.portrait import (CROP_SPAN, draw_portrait, nearest_size, portrait_look,
                                              portrait_version, render_portrait)
from dreamchat.photos.local.provider import OUTPUT_SIZE, draw_photo

SELFIE_CONTEXTS = ("send me a selfie", "a day at the beach", "walking in the city", "coffee at the café")
# Where to look, from the centre of her head, in figure units (a selfie is 1 unit wide).
HAIR_SPOTS = ((-0.135, -0.02), (0.135, -0.02))
SKIN_SPOT = (0.0, 0.115)


@pytest.fixture(scope="module")
def personas() -> dict[str, Persona]:
    return {persona.slug: persona for persona in load_default_personas()}


@pytest.fixture(autouse=True)
def empty_portrait_cache():
    routes.portraits.clear()
    yield
    routes.portraits.clear()


@pytest.fixture
def renders(monkeypatch):
    """The portraits drawn through run_blocking, as (slug, size)."""
    drawn: list[tuple[str, int]] = []
    real_run_blocking = dreamchat.offload.run_blocking

    def counting(function, *args):
        if function is render_portrait:
            drawn.append((args[0].slug, args[1]))
        return real_run_blocking(function, *args)

    monkeypatch.setattr(dreamchat.offload, "run_blocking", counting)
    return drawn


def png(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.data))
    image.load()
    return image


def patch_colour(image: Image.Image, x: float, y: float, radius: int) -> tuple[int, int, int]:
    """The per-channel median colour of a small square around (x, y) in pixels."""
    cx, cy = round(x), round(y)
    pixels = [image.getpixel((px, py)) for px in range(cx - radius, cx + radius + 1)
              for py in range(cy - radius, cy + radius + 1)]
    return tuple(sorted(channel)[len(channel) // 2] for channel in zip(*pixels))  # type: ignore[return-value]


def distance(a, b) -> float:
    return math.dist(a[:3], b[:3])


def samples(image: Image.Image, head: tuple[float, float], unit: float, radius: int) -> dict[str, list]:
    """Hair (both sides of her head) and skin (her chin) colours, head in 0..1, unit = pixels per figure unit."""
    hx, hy = head[0] * image.width, head[1] * image.height
    spot = lambda dx, dy: patch_colour(image, hx + dx * unit, hy + dy * unit, radius)  # noqa: E731
    return {"hair": [spot(*offset) for offset in HAIR_SPOTS], "skin": [spot(*SKIN_SPOT)]}


def portrait_samples(persona: Persona, size: int = 256) -> dict[str, list]:
    image, head = draw_portrait(persona, size)
    return samples(image.convert("RGB"), head, size / CROP_SPAN, 1)


def selfie_samples(persona: Persona, context: str) -> dict[str, list]:
    """From the selfie as sent (encoded, maybe lossy), her head where the drawing put it."""
    _image, head, _rng = draw_photo(persona, context, 7)
    sent = LocalPhotoProvider().generate(PhotoRequest(persona=persona, context=context, seed=7))
    with Image.open(io.BytesIO(sent.data)) as image:
        return samples(image.convert("RGB"), head, OUTPUT_SIZE, 2)


def test_avatar_is_her_portrait_png_at_the_asked_size(client):
    response = client.get("/companions/emma/avatar")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png(response).size == (128, 128)
    for asked, served in (("64", 64), ("256", 256), ("100", 128), ("200", 256), ("1", 64), ("99999", 256),
                          ("-3", 64), ("big", 128), ("", 128), ("1e3", 128)):
        assert png(client.get(f"/companions/emma/avatar?size={asked}")).size == (served, served), asked
    assert client.get("/companions/nobody/avatar").status_code == 404


def test_nearest_size():
    assert [nearest_size(v) for v in (64, "64", 95, 96, 97, 191, 193, 10**40, None, "x")] == \
        [64, 64, 64, 64, 128, 128, 256, 256, 128, 128]


def test_avatar_is_cached_publicly_with_a_look_version_in_its_etag(client):
    response = client.get("/companions/emma/avatar?size=64")
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag, _weak = response.get_etag()
    assert etag.endswith("-64") and client.get("/companions/emma/avatar?size=128").get_etag()[0] != etag
    assert client.get("/companions/luna/avatar?size=64").get_etag()[0] != etag
    again = client.get("/companions/emma/avatar?size=64", headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.get_etag()[0] == etag and again.headers["Cache-Control"] == "public, max-age=86400"


def test_a_changed_persona_changes_the_etag_and_the_picture(app, client):
    before = client.get("/companions/emma/avatar")
    with app.app_context():
        emma = Companion.by_slug("emma")
        emma.appearance = emma.appearance.replace("chestnut", "blonde")
        db.session.commit()
    after = client.get("/companions/emma/avatar", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_etag()[0] != before.get_etag()[0] and after.data != before.data


def test_unrelated_persona_changes_keep_the_portrait(app, client):
    before = client.get("/companions/emma/avatar")
    with app.app_context():
        Companion.by_slug("emma").tagline = "Something else entirely"
        db.session.commit()
    assert client.get("/companions/emma/avatar", headers={"If-None-Match": before.headers["ETag"]}).status_code == 304


def test_portraits_are_drawn_off_the_event_loop_once_then_served_from_the_cache(client, renders):
    first = client.get("/companions/zoe/avatar?size=128")
    assert renders == [("zoe", 128)]
    assert client.get("/companions/zoe/avatar?size=128").data == first.data
    assert client.get("/companions/zoe/avatar?size=120").data == first.data  # the same size once rounded
    assert renders == [("zoe", 128)]
    client.get("/companions/zoe/avatar?size=64")
    client.get("/companions/sofia/avatar?size=64")
    assert renders == [("zoe", 128), ("zoe", 64), ("sofia", 64)] and len(routes.portraits) == 3


def test_the_portrait_cache_is_bounded(make_app, renders):
    client = make_app(PORTRAIT_CACHE_SIZE=2).test_client()
    for slug in ("emma", "luna", "sofia"):
        client.get(f"/companions/{slug}/avatar")
    assert len(routes.portraits) == 2
    client.get("/companions/sofia/avatar")  # kept: the most recent
    client.get("/companions/emma/avatar")  # evicted: the oldest, drawn again
    assert renders == [("emma", 128), ("luna", 128), ("sofia", 128), ("emma", 128)]


def test_no_portrait_cache_when_its_size_is_zero(make_app, renders):
    client = make_app(PORTRAIT_CACHE_SIZE=0, AVATAR_MAX_AGE_SECONDS=0).test_client()
    first, second = client.get("/companions/luna/avatar"), client.get("/companions/luna/avatar")
    assert first.data == second.data and renders == [("luna", 128), ("luna", 128)] and len(routes.portraits) == 0
    assert first.headers["Cache-Control"] == "public, no-cache"


def test_an_imported_cards_picture_wins(app, client, renders):
    picture = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 200, 30)).save(picture, "PNG")
    with app.app_context():
        Companion.by_slug("sofia").avatar_png = picture.getvalue()
        db.session.commit()
    response = client.get("/companions/sofia/avatar?size=64")
    assert response.mimetype == "image/png" and response.data == picture.getvalue()
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    revalidated = client.get("/companions/sofia/avatar", headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304
    assert renders == []


def test_the_old_svg_address_redirects_to_her_portrait(client):
    response = client.get("/companions/luna/avatar.svg")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/companions/luna/avatar?size=128")
    assert client.get("/companions/luna/avatar.svg?size=50").headers["Location"].endswith("avatar?size=64")
    followed = client.get("/companions/luna/avatar.svg", follow_redirects=True)
    assert followed.mimetype == "image/png" and png(followed).size == (128, 128)
    assert client.get("/companions/nobody/avatar.svg").status_code == 404


def test_pages_ask_for_portraits_not_svg(client, auth):
    auth.register()
    pages = client.get("/").get_data(as_text=True) + client.get("/chat/emma").get_data(as_text=True)
    assert "avatar.svg" not in pages
    assert "/companions/emma/avatar?size=128" in pages and "/companions/emma/avatar?size=256" in pages


def test_portrait_uses_the_look_of_her_selfies(personas):
    for persona in personas.values():
        look = portrait_look(persona)
        for context in SELFIE_CONTEXTS + ("at night under the stars", "il neige", "bouldering at the gym"):
            selfie = look_for(persona, "selfie", context)
            assert (look.hair, look.eyes, look.skin, look.hair_length, look.hair_texture, look.outfit) == \
                (selfie.hair, selfie.eyes, selfie.skin, selfie.hair_length, selfie.hair_texture, selfie.outfit)
    assert portrait_look(personas["emma"]).hair == rgb("#7a3f26")  # "wavy chestnut hair"
    assert portrait_look(personas["luna"]).eyes == rgb("#7d8796")  # "grey eyes"


@pytest.mark.parametrize("slug", ["emma", "luna", "sofia", "zoe"])
def test_her_portrait_and_her_selfies_show_the_same_hair_and_skin(personas, slug):
    persona = personas[slug]
    look = portrait_look(persona)
    portrait = portrait_samples(persona)
    for name, colour in (("hair", look.hair), ("skin", look.skin)):
        assert all(distance(sample, colour) < 12 for sample in portrait[name]), (name, portrait[name], colour)
    for context in SELFIE_CONTEXTS:
        selfie = selfie_samples(persona, context)
        for name in ("hair", "skin"):
            for in_portrait, in_selfie in zip(portrait[name], selfie[name]):
                assert distance(in_portrait, in_selfie) < 20, (context, name, in_portrait, in_selfie)


def test_different_companions_have_different_portraits(personas):
    drawn = {slug: portrait_samples(persona) for slug, persona in personas.items()}
    images = {slug: draw_portrait(persona, 64)[0] for slug, persona in personas.items()}
    for first, second in itertools.combinations(personas, 2):
        assert distance(drawn[first]["hair"][0], drawn[second]["hair"][0]) > 40, (first, second)
        assert images[first].tobytes() != images[second].tobytes()
        assert portrait_version(personas[first]) != portrait_version(personas[second])


def test_portraits_are_deterministic(personas):
    assert render_portrait(personas["zoe"], 64) == render_portrait(personas["zoe"], 64)


@pytest.mark.parametrize("name", ['<script>alert("x")</script>', "Zoé", "\ud800", "  "])
def test_unusual_personas_still_get_a_portrait(personas, name):
    unusual = replace(personas["emma"], name=name, slug="\ud800", colors=("red", "#12345", "javascript:"),
                      appearance="((")
    assert portrait_look(unusual).palette == tuple(rgb(colour) for colour in DEFAULT_PALETTE)
    with Image.open(io.BytesIO(render_portrait(unusual, 64))) as image:
        assert image.format == "PNG" and image.size == (64, 64)


def test_portraits_from_the_eventlet_server(live_server):
    """Drawn in eventlet's thread pool (run_blocking) by the real server, several at once."""
    def fetch(slug: str) -> requests.Response:
        return requests.get(f"{live_server.url}/companions/{slug}/avatar?size=256", timeout=20)

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(fetch, ["emma", "luna", "sofia", "zoe"]))
    for response in responses:
        assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (256, 256)
    assert len({response.content for response in responses}) == 4
    again = requests.get(f"{live_server.url}/companions/emma/avatar?size=256", timeout=20,
                         headers={"If-None-Match": responses[0].headers["ETag"]})
    assert again.status_code == 304


def test_contact_sheet_from_the_cli(app, tmp_path):
    path = tmp_path / "sheet.png"
    result = app.test_cli_runner().invoke(args=["companions", "portraits", str(path)])
    assert result.exit_code == 0 and "4 companions" in result.output, result.output
    with Image.open(path) as sheet:
        assert sheet.format == "PNG" and sheet.width > 4 * 256 and sheet.height > 2 * 256
