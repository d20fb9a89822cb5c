"""Character cards (V1 / V2 / V3, JSON and PNG) -> companion personas."""
import base64
import io
import json
import os
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from dreamchat.companions.avatar import HEX_COLOR
from dreamchat.companions.cards import (CardError, DEFAULT_AGE, MAX_CARD_BYTES, parse_card,
                                        read_png_text_chunks, slugify)
from dreamchat.companions.routes import validate_persona


def v2_card(**data) -> dict:
    fields = {
        "name": "Mia",
        "description": "<p>Mia is a <b>24-year-old</b> barista in Lisbon who writes poetry.</p> "
                       "She has short black hair and a nose ring.",
        "personality": "gentle, witty and curious",
        "scenario": "{{user}} walks into {{char}}'s café.",
        "first_mes": "*{{char}} looks up from the counter* Oh, hi {{user}}! I'm {{char}}. <i>Coffee?</i>",
        "mes_example": "<START>\n{{user}}: hi\n{{char}}: hello!",
        "creator_notes": "ignored",
        "system_prompt": "You are {{char}}.",
        "post_history_instructions": "",
        "alternate_greetings": ["Hey {{user}}."],
        "tags": ["NSFW", "Female", "poetry", "Coffee", "coffee", "books", "jazz", "surfing", "cats", "film"],
        "creator": "someone",
        "character_version": "1.0",
        "extensions": {},
    }
    fields.update(data)
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": fields}


def as_json(card) -> bytes:
    return json.dumps(card).encode()


def png_card(card, colour=(220, 30, 30), size=(800, 600), keyword="chara", extra=None,
             raw_text=None) -> bytes:
    image = Image.new("RGB", size, colour)
    # a blue stripe on the left and a white patch: the image is mostly `colour`, not all of it
    image.paste((20, 40, 200), (0, 0, size[0] // 10, size[1]))
    image.paste((255, 255, 255), (size[0] - 40, 0, size[0], 40))
    info = PngImagePlugin.PngInfo()
    text = raw_text if raw_text is not None else base64.b64encode(json.dumps(card).encode()).decode()
    info.add_text(keyword, text)
    for key, value in (extra or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_json_v2_card_maps_to_a_persona():
    parsed = parse_card(as_json(v2_card()), "mia.json")
    p = parsed.persona
    assert parsed.avatar_png is None and parsed.spec == "chara_card_v2"
    assert (p.slug, p.name, p.age, p.language) == ("mia", "Mia", 24, "en")
    assert p.tagline == "Mia is a 24-year-old barista in Lisbon who writes poetry."
    assert p.personality == "gentle, witty and curious"
    assert p.traits == ("gentle", "witty", "curious")
    assert "short black hair" in p.appearance and "<" not in p.appearance
    assert p.greeting == "*Mia looks up from the counter* Oh, hi you! I'm Mia. Coffee?"
    # meta tags (NSFW, Female) dropped, case-insensitive duplicates dropped, six at most
    assert p.interests == ("poetry", "Coffee", "books", "jazz", "surfing", "cats")
    assert "asterisks" in p.style
    assert len(p.colors) == 3 and all(HEX_COLOR.fullmatch(c) for c in p.colors)
    assert p.colors == parse_card(as_json(v2_card()), "again.json").persona.colors  # deterministic
    assert any("system_prompt" in w for w in parsed.warnings)
    assert any("alternate greeting" in w for w in parsed.warnings)
    # what the card gives is what the JSON importer accepts
    assert validate_persona(parsed.persona_dict()) == p


def test_macros_and_html_are_stripped_everywhere():
    card = v2_card(name="<b>Ana</b> {{random:a,b}}",
                   scenario=r"Backslashes \1 \g<0> stay as they are.",
                   description='<script>alert("x")</script><div>Ana is {{char}}\'s name, age: 30. '
                               '{{random:{{user}},b}} &amp; <a href="x">more</a></div>',
                   first_mes="Hi <USER>, I am <BOT>. {{ user }}! {{CHAR}}",
                   personality="{{char}} is bold")
    p = parse_card(as_json(card), "ana.json").persona
    assert p.name == "Ana"
    assert p.age == 30
    assert "alert" not in p.appearance and "{{" not in p.appearance and "}}" not in p.appearance
    assert p.appearance == "Ana is Ana's name, age: 30. & more"
    assert p.greeting == "Hi you, I am Ana. you! Ana"
    assert p.personality == "Ana is bold"
    odd = parse_card(as_json(v2_card(name=r"Al\g<0>\1", first_mes="I'm {{char}}.")), "odd.json").persona
    assert odd.greeting == r"I'm Al\g<0>\1."


def test_v1_flat_card():
    card = {"name": "Rosa", "description": "Rosa is a florist. Age: 29.",
            "personality": "", "scenario": "", "first_mes": "Hello {{user}}, welcome to my shop!",
            "mes_example": ""}
    parsed = parse_card(as_json(card), "rosa.json")
    p = parsed.persona
    assert parsed.spec == "chara_card_v1"
    assert (p.slug, p.name, p.age) == ("rosa", "Rosa", 29)
    assert p.tagline == "Rosa is a florist."
    assert p.personality == "Rosa is a florist."  # no personality: the description's first sentence
    assert p.greeting == "Hello you, welcome to my shop!"
    assert p.interests == ()
    assert any("personality" in w for w in parsed.warnings)
    validate_persona(parsed.persona_dict())


def test_no_age_defaults_with_a_warning_and_long_text_is_capped():
    card = v2_card(name="N" * 100, description="A sailor. " + "word " * 2000, first_mes="",
                   alternate_greetings=["Ahoy!"], tags=[])
    parsed = parse_card(as_json(card), "sailor.json")
    p = parsed.persona
    assert p.age == DEFAULT_AGE and any("no age" in w for w in parsed.warnings)
    assert len(p.name) <= 60 and len(p.slug) <= 40
    assert len(p.appearance) <= 4000 and p.appearance.endswith("…")
    assert p.greeting == "Ahoy!"
    validate_persona(parsed.persona_dict())


def test_v3_card_in_ccv3_chunk_is_preferred():
    v3 = v2_card(name="Vera", description="Vera is 31 years old.")
    v3["spec"], v3["spec_version"] = "chara_card_v3", "3.0"
    data = png_card(v2_card(name="Old"), keyword="ccv3",
                    raw_text=base64.b64encode(json.dumps(v3).encode()).decode(),
                    extra={"chara": base64.b64encode(json.dumps(v2_card(name="Old")).encode()).decode()})
    parsed = parse_card(data, "vera.png")
    assert parsed.persona.name == "Vera" and parsed.persona.age == 31 and parsed.spec == "chara_card_v3"


def test_png_card_gives_persona_clean_square_avatar_and_palette():
    data = png_card(v2_card())
    assert b"chara" in data
    parsed = parse_card(data, "mia.png")
    assert parsed.persona.name == "Mia"
    avatar = Image.open(io.BytesIO(parsed.avatar_png))
    assert avatar.format == "PNG"
    assert avatar.size == (512, 512)
    avatar.load()
    assert "chara" not in avatar.info and not getattr(avatar, "text", {})
    assert b"chara" not in parsed.avatar_png and b"tEXt" not in parsed.avatar_png
    # centre crop: the 80px blue stripe on the left of the 800x600 image is cut away
    assert avatar.convert("RGB").getpixel((2, 256))[0] > 150
    first = parsed.persona.colors[0]
    red, green, blue = (int(first[i:i + 2], 16) for i in (1, 3, 5))
    assert red > 150 and green < 100 and blue < 100, first
    assert len(set(parsed.persona.colors)) == 3
    validate_persona(parsed.persona_dict())


def test_png_palette_follows_the_image():
    parsed = parse_card(png_card(v2_card(), colour=(30, 160, 60), size=(300, 300)), "green.png")
    first = parsed.persona.colors[0]
    red, green, blue = (int(first[i:i + 2], 16) for i in (1, 3, 5))
    assert green > red and green > blue
    assert Image.open(io.BytesIO(parsed.avatar_png)).size == (300, 300)  # small images are not upscaled


def test_manual_parser_reads_chunks_pillow_cannot():
    """A card in a zTXt chunk after a corrupt image: the fallback parser still finds it."""
    payload = base64.b64encode(json.dumps(v2_card(name="Zed", description="Zed is 40.")).encode())
    broken = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
              + chunk(b"IDAT", b"not zlib at all") + chunk(b"zTXt", b"chara\0\0" + zlib.compress(payload))
              + chunk(b"IEND", b""))
    assert read_png_text_chunks(broken) == [("chara", payload.decode())]
    parsed = parse_card(broken, "zed.png")
    assert parsed.persona.name == "Zed" and parsed.persona.age == 40 and parsed.avatar_png is None
    assert any("avatar" in w for w in parsed.warnings)
    itxt = b"\x89PNG\r\n\x1a\n" + chunk(b"iTXt", b"chara\0\x01\x00en\0\0" + zlib.compress(payload))
    assert parse_card(itxt + b"\x00\x00garbage", "itxt.png").persona.name == "Zed"


@pytest.mark.parametrize("data, message", [
    (b"\x01" + os.urandom(2047), "neither"),  # never "{" first: that would be read as JSON
    (b"\xff\xd8\xff\xe0" + os.urandom(100), "JPEG"),
    (b"", "empty"),
    (b"{not json", "JSON"),
    (b"[1, 2]", "object"),
    (as_json(v2_card(name="")), "no name"),
    (as_json({"description": "nobody"}), "no name"),
    (as_json({"spec": "chara_card_v2", "data": "x"}), "data"),
    (b'{"name": ' + b"[" * 100000 + b"]" * 100000 + b"}", "JSON"),
    (b" " * (MAX_CARD_BYTES + 1), "too large"),
])
def test_invalid_files_are_refused(data, message):
    with pytest.raises(CardError, match=message):
        parse_card(data, "bad")


def test_png_without_a_card_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(out, format="PNG")
    with pytest.raises(CardError, match="without a character card"):
        parse_card(out.getvalue(), "plain.png")
    with pytest.raises(CardError, match="without a character card"):
        parse_card(b"\x89PNG\r\n\x1a\n" + os.urandom(500), "noise.png")


def test_png_with_bad_base64_or_bad_json_is_refused():
    with pytest.raises(CardError, match="base64"):
        parse_card(png_card(None, raw_text="!!! not base64 !!!"), "bad64.png")
    with pytest.raises(CardError, match="base64"):
        parse_card(png_card(None, raw_text="QUJD" + "Q"), "badpad.png")
    with pytest.raises(CardError, match="JSON"):
        parse_card(png_card(None, raw_text=base64.b64encode(b"no json here").decode()), "badjson.png")
    with pytest.raises(CardError, match="no name"):
        parse_card(png_card({"spec": "chara_card_v2", "data": {"description": "x"}}), "noname.png")


@pytest.mark.parametrize("description", [
    "Kim is 17 years old and loves music.",
    "Kim is a seventeen-year-old student.",
    "Name: Kim\nAge: 16\nLikes: music",
    '[character("Kim") { Age("15") }]',
    "Kim, age 24. When you meet her, she's 16 years old.",
    "Kim is a loli.",
    "Kim is a 1000-year-old vampire who looks 14.",
    'Age("900") Appearance("looks like a 12 year old")',
])
def test_minors_are_refused(description):
    with pytest.raises(CardError, match="adults"):
        parse_card(as_json(v2_card(name="Kim", description=description)), "kim.json")


def test_minor_in_a_png_card_and_minor_tags_are_refused():
    with pytest.raises(CardError, match="adults"):
        parse_card(png_card(v2_card(description="She is 17 years old.")), "minor.png")
    with pytest.raises(CardError, match="adults"):
        parse_card(as_json(v2_card(tags=["Teen", "romance"])), "tagged.json")


def test_other_people_and_the_past_do_not_make_her_a_minor():
    card = v2_card(description="Lena is a 34-year-old pilot with a 5-year-old daughter. "
                               "She started flying when she was 12 years old; at age 10 she built kites. "
                               "She looks 5 feet tall in heels and has a 12-year-old whisky.")
    assert parse_card(as_json(card), "lena.json").persona.age == 34
    vampire = parse_card(as_json(v2_card(description="Age: 1000. A vampire who looks 25.")), "v.json")
    assert vampire.persona.age == DEFAULT_AGE and any("not a human age" in w for w in vampire.warnings)


def test_slugify():
    assert slugify("Zoé Ünal") == "zoe-unal"
    assert slugify("  Ms. O'Brien -- the 2nd!  ") == "ms-o-brien-the-2nd"
    assert slugify("Straße") == "strasse"
    assert slugify("A" * 80) == "a" * 40
    assert slugify("美咲") == ""
    assert slugify("x" * 39 + " y") == "x" * 39  # no trailing dash after the cut


def test_non_latin_names_still_get_a_valid_slug():
    parsed = parse_card(as_json(v2_card(name="美咲", description="美咲 is 25 years old.")), "misaki.json")
    assert parsed.persona.name == "美咲"
    assert parsed.persona.slug.startswith("companion-")
    validate_persona(parsed.persona_dict())


# Hostile cards: bounded time and memory, refused with a message naming the limit ------------------

def hostile_field(size: int = 200 * 1024) -> str:
    """What made html.parser quadratic: tags it can never close, over and over."""
    unit = "<a b='"
    return unit * (size // len(unit))


def timed_parse(data: bytes, name: str):
    import time

    started = time.perf_counter()
    try:
        return parse_card(data, name), time.perf_counter() - started
    except CardError as error:
        return error, time.perf_counter() - started


@pytest.mark.parametrize("key", ["description", "first_mes", "name", "mes_example"])
def test_a_200_kb_field_is_refused_at_once_naming_the_limit(key):
    result, seconds = timed_parse(as_json(v2_card(**{key: hostile_field()})), "big.json")
    assert isinstance(result, CardError) and seconds < 1, (result, seconds)
    assert key in str(result) and "32 KB" in str(result) and "CARD_MAX_FIELD_BYTES" in str(result)


def test_a_200_kb_field_in_a_png_card_is_refused_at_once():
    result, seconds = timed_parse(png_card(v2_card(description=hostile_field())), "big.png")
    assert isinstance(result, CardError) and "CARD_MAX_FIELD_BYTES" in str(result) and seconds < 2


def test_lists_are_capped_as_a_whole():
    result, _ = timed_parse(as_json(v2_card(tags=["x" * 1000] * 100)), "tags.json")
    assert isinstance(result, CardError) and "'tags'" in str(result)


def test_hostile_html_just_under_the_cap_parses_in_linear_time():
    field = hostile_field(30 * 1024)
    card = v2_card(description="Mia is 24. " + field, personality=field, scenario=field, first_mes=field,
                   mes_example=field, alternate_greetings=[field])
    result, seconds = timed_parse(as_json(card), "edge.json")
    assert not isinstance(result, CardError) and seconds < 2, (result, seconds)
    assert result.persona.age == 24


def test_html_is_still_stripped_the_same_way():
    from dreamchat.companions.cards.text import strip_html

    text = "<p>Mia is a <b>24</b> x < y</p><script>bad()</script>a&amp;b <!-- note --> 3<4 <a title='x>y'>t</a>"
    assert strip_html(text) == "\nMia is a 24 x < y\na&b  3<4 t"
    assert strip_html("<!-- never closed <b>bold</b>") == "<!-- never closed bold"


def ztxt_bomb(keyword: bytes, megabytes: float = 1.6) -> bytes:
    """A PNG whose zTXt chunks inflate ~1000x: 1.6 MB on the wire, ~1.6 GB inflated."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    plain = out.getvalue()
    bomb = zlib.compress(b"\0" * (16 * 1024 * 1024), 9)
    chunks = b"".join(chunk(b"zTXt", keyword + b"\0\0" + bomb) for _ in range(int(megabytes * 1024 * 1024 / len(bomb))))
    return plain[:-12] + chunks + plain[-12:]


def test_a_ztxt_bomb_under_another_keyword_is_never_inflated():
    data = ztxt_bomb(b"Comment")
    assert 1_400_000 < len(data) < 1_800_000
    result, seconds = timed_parse(data, "bomb.png")
    assert isinstance(result, CardError) and "without a character card" in str(result), result
    assert seconds < 1, seconds


def test_a_ztxt_bomb_under_chara_is_refused_naming_the_budget():
    result, seconds = timed_parse(ztxt_bomb(b"chara"), "bomb.png")
    assert isinstance(result, CardError) and "CARD_MAX_INFLATED_BYTES" in str(result), result
    assert seconds < 1, seconds


def test_the_inflated_budget_is_shared_and_a_real_card_fits():
    payload = base64.b64encode(json.dumps(v2_card(name="Zed", description="Zed is 40.")).encode())
    card = chunk(b"zTXt", b"chara\0\0" + zlib.compress(payload))
    assert read_png_text_chunks(b"\x89PNG\r\n\x1a\n" + card, max_inflated=len(payload)) == [("chara", payload.decode())]
    with pytest.raises(CardError, match="CARD_MAX_INFLATED_BYTES"):
        read_png_text_chunks(b"\x89PNG\r\n\x1a\n" + card, max_inflated=len(payload) - 1)
    # only the first chara chunk is read: a second one is not inflated at all
    twice = b"\x89PNG\r\n\x1a\n" + card + card
    assert read_png_text_chunks(twice, max_inflated=len(payload)) == [("chara", payload.decode())]


def test_a_slow_card_is_refused_after_the_time_limit():
    with pytest.raises(CardError, match="CARD_PARSE_TIMEOUT_SECONDS"):
        parse_card(png_card(v2_card(description="Mia is 24. " + "word " * 5000)), "slow.png", timeout=1e-9)
