"""Voice notes: the upload endpoint and its limits, owner-only playback, delivery to every tab and
replay, the companion's answer with and without transcription, and her replies spoken by a TTS server."""
import struct
import uuid

import pytest
import sqlalchemy as sa

from dreamchat.extensions import db
from dreamchat.models import Message, VoiceNote
from dreamchat.voice.audio import read_note
from tests.conftest import PASSWORD, payloads, wait_for_background_work, wait_for_events


# --- synthetic recordings --------------------------------------------------------------------------

def _ebml(element_id: int, payload: bytes, unknown_size: bool = False) -> bytes:
    head = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    if unknown_size:
        return head + b"\x01\xff\xff\xff\xff\xff\xff\xff" + payload
    return head + (0x10000000 | len(payload)).to_bytes(4, "big") + payload


def webm_note(milliseconds: int, declared: bool = False) -> bytes:
    """A WebM file shaped like MediaRecorder's: unknown-size Segment and Cluster, 20 ms Opus blocks
    (no Duration element unless declared)."""
    info = _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if declared:
        info += _ebml(0x4489, struct.pack(">d", float(milliseconds)))
    blocks = b"".join(_ebml(0xA3, b"\x81" + struct.pack(">h", t) + b"\x80" + b"\xfc" * 20)
                      for t in range(0, milliseconds - 19, 20))
    cluster = _ebml(0x1F43B675, _ebml(0xE7, b"\x00") + blocks, unknown_size=True)
    header = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))
    return header + _ebml(0x18538067, _ebml(0x1549A966, info) + cluster, unknown_size=True)


def _ogg_page(granule: int, sequence: int, payload: bytes, header_type: int = 0) -> bytes:
    return (b"OggS" + bytes([0, header_type]) + struct.pack("<qIII", granule, 1234, sequence, 0)
            + bytes([1, len(payload)]) + payload)


def ogg_note(milliseconds: int, pre_skip: int = 312) -> bytes:
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", pre_skip, 48000, 0, 0)
    return (_ogg_page(0, 0, head, 2) + _ogg_page(0, 1, b"OpusTags" + b"\x00" * 8)
            + _ogg_page(milliseconds * 48 // 2 + pre_skip, 2, b"\xfc" * 40)
            + _ogg_page(milliseconds * 48 + pre_skip, 3, b"\xfc" * 40, 4))


def test_durations_are_read_from_both_containers():
    assert read_note(webm_note(1500)) == ("webm", 1500)
    assert read_note(webm_note(2400, declared=True)) == ("webm", 2400)
    assert read_note(ogg_note(3000)) == ("ogg", 3000)
    assert read_note(b"RIFF....WAVEfmt ") == (None, None)
    assert read_note(b"\x1a\x45\xdf\xa3\x9f") == ("webm", None)  # truncated: the client's length is used


# --- helpers -----------------------------------------------------------------------------------------

def upload(client, audio: bytes, girl_id="luna", client_id=None, **fields):
    from io import BytesIO

    data = {"girl_id": girl_id, "client_id": client_id or uuid.uuid4().hex,
            "audio": (BytesIO(audio), "note.webm", "audio/webm"), **fields}
    return client.post("/api/voice", data=data, content_type="multipart/form-data")


def reply_to(sio, timeout=10.0) -> dict:
    events = wait_for_events(sio, lambda evs: any(p["message"]["sender"] == "girl"
                                                  for p in payloads(evs, "message_received")), timeout)
    return next(p["message"] for p in payloads(events, "message_received") if p["message"]["sender"] == "girl")


# --- upload, storage, playback ----------------------------------------------------------------------

def test_a_voice_note_is_stored_played_to_its_owner_only_and_answered(app, auth_factory):
    client, sio = auth_factory(app)
    response = upload(client, webm_note(1500))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    message = body["message"]
    assert message["type"] == "voice" and message["sender"] == "user" and message["content"] == ""
    assert message["duration_ms"] == 1500 and message["transcript"] is None
    assert message["audio_url"].startswith("/voice/") and isinstance(body["seq"], int)

    played = client.get(message["audio_url"])
    assert played.status_code == 200 and played.data == webm_note(1500)
    assert played.headers["Content-Type"] == "audio/webm"
    assert played.headers["Cache-Control"].startswith("private")
    ranged = client.get(message["audio_url"], headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == webm_note(1500)[:10]

    other, _ = auth_factory(app)
    assert other.get(message["audio_url"]).status_code == 404
    assert other.get("/voice/abc").status_code == 404

    # No STT: she says she got a voice note and asks what it said.
    answer = reply_to(sio)
    assert "voice note" in answer["content"].lower()
    history = client.get("/api/conversations/luna/messages").get_json()["messages"]
    assert history[0]["type"] == "voice" and history[0]["audio_url"] == message["audio_url"]


def test_a_french_speaker_is_answered_in_french(app, auth_factory):
    client, sio = auth_factory(app)
    assert sio.emit("send_message", {"girl_id": "luna", "content": "Salut, comment tu vas aujourd'hui ?"},
                    callback=True)["ok"]
    reply_to(sio)
    wait_for_background_work(app)
    sio.get_received()
    assert upload(client, ogg_note(2000)).status_code == 200
    assert "vocal" in reply_to(sio)["content"].lower()


@pytest.mark.parametrize("audio, status, code", [
    (b"ID3\x03\x00" + b"\x00" * 200, 415, "unsupported_type"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * 100, 415, "unsupported_type"),
])
def test_other_formats_are_refused_with_415(app, auth_factory, audio, status, code):
    client, _ = auth_factory(app)
    response = upload(client, audio)
    assert response.status_code == status and response.get_json()["error"]["code"] == code


def test_limits_on_length_and_size(make_app, auth_factory):
    app = make_app(VOICE_MAX_SECONDS=5, VOICE_MAX_BYTES=20000)
    client, _ = auth_factory(app)
    too_long = upload(client, webm_note(7000))
    assert too_long.status_code == 400 and too_long.get_json()["error"]["code"] == "too_long"
    assert "5 seconds" in too_long.get_json()["error"]["message"]
    too_big = upload(client, ogg_note(1000) + b"\x00" * 25000)
    assert too_big.status_code == 413 and too_big.get_json()["error"]["code"] == "too_large"
    # A container that does not say: the client's duration_ms, refused past the limit too.
    unknown = b"\x1a\x45\xdf\xa3\x9f"
    assert upload(client, unknown).status_code == 400
    assert upload(client, unknown, duration_ms="9000").get_json()["error"]["code"] == "too_long"
    accepted = upload(client, unknown, duration_ms="1200")
    assert accepted.status_code == 200 and accepted.get_json()["message"]["duration_ms"] == 1200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VoiceNote.id))) == 1


def test_limits_set_to_zero_are_off(make_app, auth_factory):
    app = make_app(VOICE_MAX_SECONDS=0, VOICE_MAX_BYTES=0)
    client, _ = auth_factory(app)
    assert upload(client, ogg_note(90_000)).status_code == 200


def test_bad_fields_are_clear_json_errors(app, auth_factory):
    client, _ = auth_factory(app)
    assert upload(client, webm_note(500), girl_id="nobody").status_code == 404
    assert upload(client, webm_note(500), client_id="x").get_json()["error"]["code"] == "invalid"
    missing = client.post("/api/voice", data={"girl_id": "luna", "client_id": uuid.uuid4().hex})
    assert missing.status_code == 400 and "audio" in missing.get_json()["error"]["message"]
    anonymous = app.test_client().post("/api/voice", data={"girl_id": "luna"})
    assert anonymous.status_code in (302, 401)


def test_a_repeated_client_id_returns_the_stored_message(app, auth_factory):
    client, sio = auth_factory(app)
    client_id = uuid.uuid4().hex
    first = upload(client, webm_note(1000), client_id=client_id).get_json()
    again = upload(client, webm_note(1000), client_id=client_id).get_json()
    assert again["duplicate"] is True and again["message"]["id"] == first["message"]["id"]
    wait_for_background_work(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VoiceNote.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.type == "voice")) == 1


def test_the_rate_limit_of_messages_applies(make_app, auth_factory):
    app = make_app(RATE_LIMIT_MESSAGES=1)
    client, _ = auth_factory(app)
    assert upload(client, webm_note(500)).status_code == 200
    refused = upload(client, webm_note(500))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"


def test_csrf_is_required(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    from tests.conftest import csrf_token_in

    client.post("/register", data={"csrf_token": csrf_token_in(page), "username": "vox", "password": PASSWORD,
                                   "password_confirm": PASSWORD, "adult": "y"})
    refused = upload(client, webm_note(800))
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]["message"]
    chat = client.get("/chat/luna").get_data(as_text=True)
    import re

    token = re.search(r'data-csrf-token="([^"]+)"', chat).group(1)
    from io import BytesIO

    accepted = client.post("/api/voice", headers={"X-CSRFToken": token}, content_type="multipart/form-data",
                           data={"girl_id": "luna", "client_id": uuid.uuid4().hex,
                                 "audio": (BytesIO(webm_note(800)), "note.webm")})
    assert accepted.status_code == 200, accepted.get_json()


def test_every_tab_gets_it_and_a_returning_tab_replays_it(app, auth_factory, socket_for):
    client, first_tab = auth_factory(app)
    second_tab = socket_for(client)
    second_tab.get_received()
    body = upload(client, webm_note(1500)).get_json()
    events = wait_for_events(second_tab, lambda evs: any(p["message"]["type"] == "voice"
                                                         for p in payloads(evs, "message_received")))
    note = next(p for p in payloads(events, "message_received") if p["message"]["type"] == "voice")
    assert note["seq"] == body["seq"] and note["message"]["audio_url"] == body["message"]["audio_url"]
    wait_for_background_work(app)

    returning = socket_for(client)
    returning.get_received()
    returning.emit("sync", {"last_seq": body["seq"] - 1}, callback=True)
    events = wait_for_events(returning, lambda evs: payloads(evs, "sync"))
    replayed = payloads(events, "sync")[0]["events"]
    assert replayed[0]["name"] == "message_received"
    assert replayed[0]["payload"]["message"]["id"] == body["message"]["id"]


def test_a_voice_note_cannot_be_edited_and_deleting_it_deletes_its_audio(app, auth_factory):
    client, sio = auth_factory(app)
    message = upload(client, webm_note(700)).get_json()["message"]
    edit = sio.emit("edit_message", {"girl_id": "luna", "message_id": message["id"], "content": "x"}, callback=True)
    assert not edit["ok"] and edit["error"]["code"] == "invalid"
    wait_for_background_work(app)
    assert sio.emit("delete_message", {"girl_id": "luna", "message_id": message["id"]}, callback=True)["ok"]
    assert client.get(message["audio_url"]).status_code == 404


# --- transcription and speech with the fake OpenAI server -------------------------------------------

def test_with_stt_the_transcript_is_stored_shown_and_answered(make_app, auth_factory, fake_openai):
    app = make_app(STT_PROVIDER="openai", STT_BASE_URL=fake_openai.base_url, STT_API_KEY="sk-stt",
                   STT_MODEL="whisper-fake", AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url,
                   AI_MODEL="fake-model", AI_API_KEY="sk-test", AI_MAX_RETRIES=0, AI_TIMEOUT_SECONDS=5)
    client, sio = auth_factory(app)
    message = upload(client, webm_note(1500)).get_json()["message"]
    answer = reply_to(sio)
    events = sio.get_received()
    wait_for_background_work(app)

    transcription = next(r for r in fake_openai.audio_requests if r["path"] == "/audio/transcriptions")
    assert transcription["fields"]["model"] == b"whisper-fake"
    assert transcription["fields"]["file"] == webm_note(1500)
    assert transcription["headers"]["authorization"] == "Bearer sk-stt"
    prompt = fake_openai.requests[-1]["messages"]
    assert any("sunset was amazing" in m["content"] for m in prompt if m["role"] == "user")
    assert not any("could not be transcribed" in m["content"] for m in prompt)
    assert answer["content"] == "ok"

    history = client.get("/api/conversations/luna/messages").get_json()["messages"]
    assert history[0]["id"] == message["id"] and "sunset" in history[0]["transcript"]
    with app.app_context():
        assert db.session.scalar(sa.select(VoiceNote.transcription)) == "done"


def test_the_transcript_reaches_every_tab_as_a_sequenced_update(make_app, auth_factory, fake_openai):
    app = make_app(STT_PROVIDER="openai", STT_BASE_URL=fake_openai.base_url)
    client, sio = auth_factory(app)
    upload(client, webm_note(1500))
    events = wait_for_events(sio, lambda evs: any(p["message"].get("transcript") for p in payloads(evs, "message_updated")))
    update = next(p for p in payloads(events, "message_updated") if p["message"].get("transcript"))
    assert isinstance(update["seq"], int) and update["message"]["type"] == "voice"
    answer = reply_to(sio)
    assert "voice note" not in answer["content"].lower()


def test_a_failing_stt_server_leaves_the_note_unheard(make_app, auth_factory, fake_openai):
    app = make_app(STT_PROVIDER="openai", STT_BASE_URL=fake_openai.base_url + "/missing")
    client, sio = auth_factory(app)
    upload(client, ogg_note(1000))
    assert "voice note" in reply_to(sio)["content"].lower()
    wait_for_background_work(app)
    with app.app_context():
        assert db.session.scalar(sa.select(VoiceNote.transcription)) == "failed"


def test_with_a_model_and_no_stt_the_prompt_says_the_note_could_not_be_heard(make_app, auth_factory, fake_openai):
    app = make_app(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model",
                   AI_API_KEY="sk-test", AI_MAX_RETRIES=0, AI_TIMEOUT_SECONDS=5)
    client, sio = auth_factory(app)
    upload(client, webm_note(1000))
    reply_to(sio)
    prompt = fake_openai.requests[-1]["messages"]
    assert any("could not be transcribed" in m["content"] for m in prompt)
    assert any("[sent a voice note]" in m["content"] for m in prompt)


def test_tts_speech_is_made_once_then_served_from_the_store(make_app, auth_factory, fake_openai):
    app = make_app(TTS_PROVIDER="openai", TTS_BASE_URL=fake_openai.base_url, TTS_MODEL="tts-fake", TTS_VOICE="shimmer")
    client, sio = auth_factory(app)
    assert sio.emit("send_message", {"girl_id": "luna", "content": "hello there"}, callback=True)["ok"]
    answer = reply_to(sio)
    first = client.get(f"/api/messages/{answer['id']}/speech")
    second = client.get(f"/api/messages/{answer['id']}/speech")
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and first.data.startswith(b"RIFF")
    assert first.headers["Content-Type"] == "audio/wav" and first.headers["Cache-Control"].startswith("private")
    speech_requests = [r for r in fake_openai.audio_requests if r["path"] == "/audio/speech"]
    assert len(speech_requests) == 1
    assert speech_requests[0]["body"]["input"] == answer["content"]
    assert speech_requests[0]["body"]["voice"] == "shimmer" and speech_requests[0]["body"]["model"] == "tts-fake"

    other, _ = auth_factory(app)
    assert other.get(f"/api/messages/{answer['id']}/speech").status_code == 404
    own = client.get("/api/conversations/luna/messages").get_json()["messages"][0]
    assert client.get(f"/api/messages/{own['id']}/speech").status_code == 404  # not one of her replies


def test_without_tts_speech_is_left_to_the_browser(app, auth_factory):
    client, sio = auth_factory(app)
    assert sio.emit("send_message", {"girl_id": "luna", "content": "hello"}, callback=True)["ok"]
    answer = reply_to(sio)
    response = client.get(f"/api/messages/{answer['id']}/speech")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_configured"


# --- PostgreSQL ----------------------------------------------------------------------------------------

from tests.test_search import postgres_app  # noqa: E402,F401 - the fixture: an app on a fresh PostgreSQL database


def test_on_postgresql_a_note_is_stored_once_answered_deleted_and_the_migration_goes_down(postgres_app, auth_factory):
    client, sio = auth_factory(postgres_app)
    client_id = uuid.uuid4().hex
    first = upload(client, ogg_note(1800), client_id=client_id).get_json()
    assert first["message"]["duration_ms"] == 1800
    assert upload(client, ogg_note(1800), client_id=client_id).get_json()["duplicate"] is True
    assert client.get(first["message"]["audio_url"]).data == ogg_note(1800)
    assert "voice note" in reply_to(sio)["content"].lower()
    wait_for_background_work(postgres_app)
    assert sio.emit("delete_message", {"girl_id": "luna", "message_id": first["message"]["id"]}, callback=True)["ok"]
    with postgres_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VoiceNote.id))) == 0
        db.session.remove()
        from flask_migrate import downgrade, upgrade

        from tests.conftest import ROOT
        downgrade(directory=str(ROOT / "migrations"), revision="0014_user_preferences")
        assert "voice_notes" not in sa.inspect(db.engine).get_table_names()
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()


def test_deleting_the_account_erases_its_voice_notes(app, auth_factory):
    client, sio = auth_factory(app)
    upload(client, webm_note(900))
    reply_to(sio)
    wait_for_background_work(app)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(VoiceNote.id))) == 0


# --- review follow-ups: lengths the client cannot shorten, the body limit, the lease, safety, ids ------

def test_a_container_cannot_say_it_is_shorter_than_it_is(monkeypatch):
    from dreamchat.voice import audio

    # WebM: a Duration of 1 s over 6 s of blocks counts as 6 s.
    declared_short = webm_note(6000).replace(
        _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")),
        _ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big")) + _ebml(0x4489, struct.pack(">d", 1000.0)))
    assert read_note(declared_short) == ("webm", 6000)
    # Ogg: a last page saying 1 s after a page at 60 s counts as 60 s.
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 0, 48000, 0, 0)
    hidden = (_ogg_page(0, 0, head, 2) + _ogg_page(60_000 * 48, 1, b"\xfc" * 40)
              + _ogg_page(1000 * 48, 2, b"\xfc" * 40, 4))
    assert read_note(hidden) == ("ogg", 60_000)
    # Whatever the container says, a file is at least its size at Opus's highest bitrate.
    assert audio.min_duration_ms(640 * 1024) == 10_000
    # The WebM walk reads a bounded number of elements (a file of tiny elements costs no more).
    monkeypatch.setattr(audio, "MAX_WEBM_ELEMENTS", 1000)
    tiny = b"\xec\x80" * 2000  # 2,000 empty Void elements, then a note
    assert read_note(WEBM_HEADER_FOR_TESTS + tiny + webm_note(3000)[len(WEBM_HEADER_FOR_TESTS):]) == ("webm", None)


WEBM_HEADER_FOR_TESTS = _ebml(0x1A45DFA3, _ebml(0x4282, b"webm"))


def test_a_small_declared_length_does_not_make_a_large_file_short(make_app, auth_factory):
    app = make_app(VOICE_MAX_SECONDS=2)
    client, _ = auth_factory(app)
    padding = _ebml(0xEC, b"\x00" * (400 * 1024))  # a Void element: 400 KB, at least 6 s of Opus
    padded = webm_note(1000, declared=True) + padding
    assert read_note(padded) == ("webm", 1000)
    refused = upload(client, padded)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "too_long"
    unknown = b"\x1a\x45\xdf\xa3\x9f" + b"\x00" * (400 * 1024)  # duration_ms is the client's too
    assert upload(client, unknown, duration_ms="1000").get_json()["error"]["code"] == "too_long"


class UnreadableBody:
    """A request body of `size` bytes that fails the test when anything reads it."""

    def __init__(self, size: int) -> None:
        self.size, self.position = size, 0

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> None:
        self.position = self.size if whence == 2 else offset

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("max_bytes, size", [(20000, 3 * 1024 * 1024), (0, 12 * 1024 * 1024)])
def test_an_upload_over_the_limit_is_refused_unread_as_too_large(make_app, auth_factory, max_bytes, size):
    app = make_app(VOICE_MAX_BYTES=max_bytes)
    client, _ = auth_factory(app)
    refused = client.post("/api/voice", input_stream=UnreadableBody(size),
                          content_type="multipart/form-data; boundary=x")
    assert refused.status_code == 413 and refused.get_json()["error"]["code"] == "too_large"
    assert upload(client, webm_note(500)).status_code == 200


def test_the_rate_limit_is_counted_before_the_audio_is_read(make_app, auth_factory, monkeypatch):
    app = make_app(RATE_LIMIT_MESSAGES=1)
    client, _ = auth_factory(app)
    assert upload(client, b"RIFF\x00\x00\x00\x00WAVEfmt ").status_code == 415  # counts: it was parsed
    from dreamchat.voice import routes

    def must_not_parse(_data):
        raise AssertionError("parsed past the rate limit")

    monkeypatch.setattr(routes, "read_note", must_not_parse)
    refused = upload(client, webm_note(500))
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"


class ClaimWatchingTranscriber:
    """An STT provider that notes how long the conversation's claim still has to run when asked."""

    def __init__(self, app, text="sunset was amazing"):
        self.app, self.text, self.remaining = app, text, []

    def transcribe(self, data, mime):
        from dreamchat.models import ReplyClaim, utcnow

        expires = db.session.scalar(sa.select(ReplyClaim.expires_at))
        db.session.close()
        self.remaining.append((expires - utcnow()).total_seconds())
        return self.text


def test_each_transcription_is_covered_by_the_reply_claim(make_app, auth_factory):
    app = make_app(STT_TIMEOUT_SECONDS=100, WORK_LEASE_SECONDS=60)
    stt = app.extensions["transcriber"] = ClaimWatchingTranscriber(app)
    client, sio = auth_factory(app)
    upload(client, webm_note(1000))
    reply_to(sio)
    wait_for_background_work(app)
    # The provider may take its timeout twice (one retry): the claim covers that, not one lease.
    assert len(stt.remaining) == 1 and stt.remaining[0] > 2 * 100


def test_transcription_stops_when_another_process_took_the_conversation(make_app, auth_factory):
    from dreamchat.tasks.voice import transcribe_voice_notes

    app = make_app()
    client, sio = auth_factory(app)
    upload(client, webm_note(1000))
    reply_to(sio)
    wait_for_background_work(app)
    stt = ClaimWatchingTranscriber(app)
    with app.app_context():  # the note unanswered again, as when the claim was lost before her reply
        db.session.execute(sa.update(Message).values(answered_at=None))
        db.session.commit()
        app.extensions["transcriber"] = stt
        user_id, companion_id = db.session.execute(sa.select(Message.user_id, Message.companion_id)).first()
        assert transcribe_voice_notes(app, user_id, companion_id, keep_claim=lambda: False) is False
        assert stt.remaining == []
        assert db.session.scalar(sa.select(VoiceNote.transcription)) is None  # left for the new owner


def test_a_crisis_said_in_a_voice_note_blocks_photos_until_she_answers(app, auth_factory):
    from dreamchat.companions import directory
    from dreamchat.models import Sender, User, utcnow

    client, sio = auth_factory(app)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id))
        db.session.add(Message(user_id=user_id, companion_id=directory.by_slug("luna").id, sender=Sender.USER,
                               type="voice", content="", transcript="I want to kill myself tonight",
                               status="done", created_at=utcnow()))
        db.session.commit()
    refused = sio.emit("request_photo", {"girl_id": "luna"}, callback=True)
    assert not refused["ok"] and refused["error"]["code"] == "not_now"


def test_what_a_voice_note_says_about_the_user_is_remembered(make_app, auth_factory):
    from dreamchat.models import MemoryFact

    app = make_app()
    words = "my name is Sam and I love hiking in the mountains"
    app.extensions["transcriber"] = ClaimWatchingTranscriber(app, words)
    client, sio = auth_factory(app)
    upload(client, webm_note(1000))
    reply_to(sio)
    wait_for_background_work(app)
    with app.app_context():
        facts = {(fact.kind, fact.value) for fact in db.session.scalars(sa.select(MemoryFact))}
    assert ("name", "Sam") in facts and ("likes", "hiking in the mountains") in facts


def test_a_deleted_voice_notes_id_is_never_given_again(app, auth_factory):
    from sqlalchemy.schema import CreateTable

    client, sio = auth_factory(app)
    first = upload(client, webm_note(700)).get_json()["message"]
    reply_to(sio)
    wait_for_background_work(app)
    assert sio.emit("delete_message", {"girl_id": "luna", "message_id": first["id"]}, callback=True)["ok"]
    second = upload(client, webm_note(900)).get_json()["message"]
    assert second["audio_url"] != first["audio_url"]
    assert client.get(first["audio_url"]).status_code == 404
    with app.app_context():  # the migration and the model alike
        table_sql = db.session.scalar(sa.text("SELECT sql FROM sqlite_master WHERE name = 'voice_notes'"))
        assert "AUTOINCREMENT" in table_sql
        assert "AUTOINCREMENT" in str(CreateTable(VoiceNote.__table__).compile(db.engine))
