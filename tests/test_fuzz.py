"""Fuzz every socket event's payload and every HTTP route's parameters (hypothesis): whatever the
shape, type, size or text (lone surrogates, NUL, "²", huge numbers, deep nesting), the answer is an
error ack or a 4xx, never `internal` or a 500; the socket stays connected; nothing is logged at ERROR.

The app runs with instant replies and limits out of the way, so payloads reach the deep checks.
"""
from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dreamchat.extensions import socketio

EVENTS = {
    "send_message": ("girl_id", "content", "client_id"),
    "typing_indicator": ("girl_id", "is_typing"),
    "mark_read": ("girl_id", "message_ids"),
    "request_photo": ("girl_id", "context", "client_id"),
    "sync": ("last_seq",),
    "retry_reply": ("girl_id",),
    "regenerate_reply": ("girl_id",),
    "edit_message": ("girl_id", "message_id", "content"),
    "delete_message": ("girl_id", "message_id"),
}
ERROR_CODES = {"invalid", "not_found", "too_long", "not_now", "rate_limited"}

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text of every kind: any code point, lone surrogates, NUL, digits that are not ASCII.
characters = st.characters() | st.characters(categories=["Cs"]) | st.sampled_from(["\x00", "\ud800", "²", "٣", "\n", " "])
texts = st.text(characters, max_size=40) | st.sampled_from(["", "emma", "luna", "nobody", "x" * 4001, "y" * 5000,
                                                            "abcdefgh\n", "a" * 64, "hi\x00there", "\ud800"])
# Socket.IO's JSON decoder itself refuses integers of more than 100 digits and nesting deeper than
# Python's recursion limit, before any handler runs; up to those, everything reaches the handlers.
huge_ints = st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(10**30), 10**98])
ints = st.integers(min_value=-5, max_value=60) | st.integers(min_value=-(10**98), max_value=10**98) | huge_ints
scalars = st.none() | st.booleans() | ints | st.floats() | texts
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=12)


def nested(depth: int, leaf):
    for _ in range(depth):
        leaf = [leaf]
    return leaf


deep = st.builds(nested, st.integers(min_value=2, max_value=300), scalars)
id_lists = st.lists(ints, max_size=3) | st.lists(st.integers(min_value=1, max_value=60), min_size=190, max_size=260)
anything = scalars | id_lists | deep | json_values | st.lists(texts, max_size=3)

# Per field: a good value, so the checks behind it are reached, and targeted bad ones.
bad_texts = st.sampled_from(["\ud800", "hi \udfff there", "\x00", "a\x00b", "", "   ", "x" * 4001, "²"])
GOOD = {
    "girl_id": st.sampled_from(["emma", "luna"]),
    "content": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30),
    "context": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30),
    "client_id": st.uuids().map(lambda u: u.hex),
    "is_typing": st.booleans(),
    "message_ids": st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=5),
    "message_id": st.integers(min_value=1, max_value=60),
    "last_seq": st.integers(min_value=0, max_value=60),
}
BAD = {
    "girl_id": bad_texts | texts | anything,
    "content": bad_texts | texts | anything,
    "context": bad_texts | texts | anything,
    "client_id": bad_texts | texts | anything,
    "is_typing": anything,
    "message_ids": id_lists | st.lists(huge_ints, min_size=1, max_size=3) | anything,
    "message_id": huge_ints | ints | anything,
    "last_seq": huge_ints | ints | anything,
}


@st.composite
def payloads(draw, keys):
    """Mostly the event's object with good values and one or more bad ones (or missing), sometimes
    extra keys, sometimes anything at all (a list, a string, a number, nothing)."""
    shape = draw(st.sampled_from(["fields"] * 8 + ["extra", "anything"]))
    if shape == "anything":
        return draw(json_values | deep)
    payload = {}
    spoiled = draw(st.sampled_from(keys))
    for key in keys:
        how = "bad" if key == spoiled else draw(st.sampled_from(["good"] * 6 + ["bad", "missing"]))
        if how != "missing":
            payload[key] = draw(GOOD[key] if how == "good" else BAD[key])
    if shape == "extra":
        payload.update(draw(st.dictionaries(texts, anything, max_size=40)))
    return payload


@pytest.fixture
def fuzz_app(make_app):
    return make_app(REPLY_DELAY_SCALE=0, RATE_LIMIT_MESSAGES=10**6, RATE_LIMIT_PHOTOS=10**6, RATE_LIMIT_SYNCS=0,
                    DAILY_REPLY_LIMIT=0, DAILY_PHOTO_LIMIT=2, BREAK_REMINDER_MINUTES=0)


def errors_logged(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("event", sorted(EVENTS))
def test_socket_event_payloads(fuzz_app, auth_factory, caplog, event):
    caplog.set_level(logging.INFO)
    _, sio = auth_factory(fuzz_app)
    # Something to edit, delete, mark read and regenerate.
    assert sio.emit("send_message", {"girl_id": "emma", "content": "hello"}, callback=True)["ok"]

    @FUZZ
    @given(payload=payloads(EVENTS[event]))
    def run(payload):
        caplog.clear()
        ack = sio.emit(event, payload, callback=True)
        assert isinstance(ack, dict), ack
        if not ack.get("ok"):
            assert ack["error"]["code"] in ERROR_CODES, ack
        assert sio.is_connected()
        assert not errors_logged(caplog)
        sio.get_received()

    run()


@pytest.mark.timeout(60)
def test_socket_event_without_or_with_extra_arguments(fuzz_app, auth_factory, caplog):
    _, sio = auth_factory(fuzz_app)
    for event in EVENTS:
        for args in ((), ({"girl_id": "emma"}, "extra", 5), (None,)):
            ack = sio.emit(event, *args, callback=True)
            assert ack["ok"] is True or ack["error"]["code"] in ERROR_CODES, (event, args, ack)
    assert sio.is_connected()
    assert not errors_logged(caplog)


@pytest.mark.timeout(60)
def test_connect_auth(fuzz_app, auth_factory, caplog):
    client, first = auth_factory(fuzz_app)
    first.emit("send_message", {"girl_id": "emma", "content": "hello"}, callback=True)

    @settings(FUZZ, max_examples=30)
    # Socket.IO sends the connect auth as an object (or nothing).
    @given(auth=st.none() | st.fixed_dictionaries({"last_seq": GOOD["last_seq"] | BAD["last_seq"]})
           | st.dictionaries(texts, anything, max_size=5))
    def run(auth):
        caplog.clear()
        sio = socketio.test_client(fuzz_app, flask_test_client=client, auth=auth)
        try:
            assert sio.is_connected()
            assert not errors_logged(caplog)
        finally:
            sio.disconnect()

    run()


def path_segments():
    """A URL path segment: percent-encoded text of any kind, or raw bytes (invalid UTF-8 included)."""
    no_surrogates = st.text(st.characters(exclude_characters="/") | st.sampled_from(["\x00", "²", "٣"]), min_size=1,
                            max_size=30)
    numbers = (st.integers(min_value=-10, max_value=10**30) | huge_ints | st.just(10**400)).map(str)
    raw_bytes = st.binary(min_size=1, max_size=12).map(lambda b: "".join(f"%{byte:02X}" for byte in b))
    return (no_surrogates.map(lambda s: quote(s, safe="")) | numbers | raw_bytes
            | st.sampled_from(["emma", "1", "0", "%00", "%C2%B2", "9" * 40]))


def arg_values():
    return (st.text(st.characters(codec="utf-8") | st.sampled_from(["\x00", "²", "٣"]), max_size=25)
            | st.text(st.sampled_from("0123456789²٣"), min_size=1, max_size=25)
            | (st.integers() | huge_ints | st.just(10**400)).map(str)
            | st.sampled_from(["", "1", "50", "0", "+1", " 1", "1.0", "1e3", "²", "٣"]))


def segments_or(likely):
    return st.sampled_from([True] * 2 + [False]).flatmap(lambda good: likely if good else path_segments())


companions = segments_or(st.sampled_from(["emma", "luna"]))
ids = segments_or((st.integers(min_value=-10, max_value=10**30) | huge_ints).map(str))
ROUTES = [
    ("/api/conversations/{}/messages", companions, ("before", "after", "limit")),
    ("/chat/{}", companions, ()),
    ("/photos/{}", ids, ()),
    ("/companions/{}/avatar", companions, ()),
    ("/companions/{}/avatar.svg", companions, ()),
    ("/login", st.just(""), ("next",)),
    ("/", st.just(""), ()),
    ("/memory", st.just(""), ()),
]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("route,segments,arg_names", ROUTES, ids=[route for route, _, _ in ROUTES])
def test_http_get_parameters(fuzz_app, auth_factory, caplog, route, segments, arg_names):
    client, sio = auth_factory(fuzz_app)
    sio.emit("send_message", {"girl_id": "emma", "content": "hello"}, callback=True)

    @FUZZ
    @given(segment=segments, args=st.fixed_dictionaries({}, optional={name: arg_values() for name in arg_names}),
           junk=st.dictionaries(st.text(max_size=8), arg_values(), max_size=3))
    def run(segment, args, junk):
        caplog.clear()
        url = route.format(segment) if "{}" in route else route
        response = client.get(url, query_string={**junk, **args})
        assert response.status_code < 500, (url, args, response.status_code)
        assert not errors_logged(caplog)

    run()


@pytest.mark.timeout(60)
def test_memory_posts(fuzz_app, auth_factory, caplog):
    client, _ = auth_factory(fuzz_app)

    @FUZZ
    @given(segment=ids, value=arg_values(), action=st.sampled_from(["", "/erase"]))
    def run(segment, value, action):
        caplog.clear()
        response = client.post(f"/memory/{segment}{action}", data={f"fact-{segment}-value": value})
        assert response.status_code < 500
        response = client.post("/memory", data={"new-companion": "emma", "new-kind": "notes", "new-value": value})
        assert response.status_code < 500
        assert not errors_logged(caplog)

    run()
