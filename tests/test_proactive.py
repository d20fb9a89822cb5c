"""The companion writes first (opt-in per conversation): the socket switch, the periodic check, and
the message itself, delivered like her replies. The check is called directly, with a `now` past the
quiet period (PROACTIVE_AFTER_HOURS) instead of waiting it out."""
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dreamchat.actions.proactive import known_time_zone
from dreamchat.ai import ChatLine, ReplyRequest
from dreamchat.ai.offline import OfflineReplyProvider
from dreamchat.ai.prompt import PROACTIVE_INSTRUCTION, build_messages
from dreamchat.companions.directory import persona as persona_of
from dreamchat.config import parse_night
from dreamchat.extensions import db, socketio
from dreamchat.models import Message, User, utcnow
from dreamchat.tasks.proactive import at_night
from dreamchat.understanding import detect_language
from tests.conftest import captured_statements, new_client_id, payloads, wait_for_background_work, wait_for_events

QUIET_HOURS = 0.0005  # 1.8 seconds


def later(seconds: float = 10) -> object:
    return utcnow() + timedelta(seconds=seconds)


def check(app, now=None) -> int:
    return app.extensions["companion_worker"].write_first_messages(now=now or later())


def chat(app, sio, content: str, girl_id: str = "emma") -> dict:
    ack = sio.emit("send_message", {"girl_id": girl_id, "content": content, "client_id": new_client_id()},
                   callback=True)
    assert ack["ok"], ack
    wait_for_background_work(app)
    return ack


def first_messages(app) -> list[Message]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Message).where(Message.proactive == sa.true()).order_by(Message.id)))


@pytest.fixture
def proactive_app(make_app):
    return make_app(PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=None)


def opt_in(sio, girl_id="emma", enabled=True) -> dict:
    ack = sio.emit("set_proactive", {"girl_id": girl_id, "enabled": enabled}, callback=True)
    assert ack["ok"], ack
    return ack


def test_an_opted_in_conversation_gets_exactly_one_first_message(proactive_app, auth_factory):
    app = proactive_app
    client, sio = auth_factory(app)
    second_tab = socketio.test_client(app, flask_test_client=client)
    chat(app, sio, "I'm going to the cinema tonight with Sam")
    opt_in(sio)
    sio.get_received(), second_tab.get_received()
    assert check(app) == 1
    assert check(app) == 0 and check(app, now=later(3600)) == 0
    stored = first_messages(app)
    assert len(stored) == 1 and stored[0].sender == "girl" and stored[0].to_dict()["proactive"] is True

    for tab in (sio, second_tab):  # every tab, as her replies
        events = wait_for_events(tab, lambda evs: payloads(evs, "message_received"))
        message = payloads(events, "message_received")[0]["message"]
        assert message["proactive"] is True and message["id"] == stored[0].id and message["content"]
    second_tab.disconnect()

    # The user answers, she replies; a new quiet period gives one more, different from the first.
    chat(app, sio, "It was great, thanks!")
    assert check(app, now=later(20)) == 1
    assert check(app, now=later(30)) == 0
    again = first_messages(app)
    assert len(again) == 2 and again[1].content != again[0].content


def test_replayed_by_seq_and_rendered_on_the_page(proactive_app, auth_factory):
    app = proactive_app
    client, sio = auth_factory(app)
    chat(app, sio, "hello Emma")
    ack = opt_in(sio)
    check(app)
    sio.emit("sync", {"last_seq": ack["seq"]}, callback=True)
    events = wait_for_events(sio, lambda evs: payloads(evs, "sync"))
    replayed = payloads(events, "sync")[0]["events"]
    assert [e["name"] for e in replayed] == ["message_received"]
    assert replayed[0]["payload"]["message"]["proactive"] is True
    page = client.get("/chat/emma").get_data(as_text=True)
    assert 'data-proactive="true"' in page and "wrote first" in page
    assert page.count('class="message__first"') == 2  # her message, and the page's <template>


def test_none_when_opted_out_or_turned_off(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    chat(app, sio, "hi there")
    assert check(app) == 0
    opt_in(sio, enabled=True)
    opt_in(sio, enabled=False)
    assert check(app) == 0 and first_messages(app) == []


def test_none_before_the_quiet_period_or_while_the_user_waits_for_an_answer(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    chat(app, sio, "hi there")
    opt_in(sio)
    assert check(app, now=utcnow()) == 0
    with app.app_context():  # a message of the user still unanswered (her reply failed)
        db.session.execute(sa.update(Message).where(Message.sender == "user").values(answered_at=None))
        db.session.commit()
    assert check(app) == 0


def test_none_at_night_in_the_users_time_zone(make_app, auth_factory):
    now = utcnow()
    night = (now.hour, (now.hour + 2) % 24)  # the night covers this hour in UTC
    app = make_app(PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=night)
    _, sio = auth_factory(app)
    chat(app, sio, "hi there")
    opt_in(sio)
    assert check(app, now=now + timedelta(seconds=10)) == 0  # no time zone: UTC
    with app.app_context():
        db.session.execute(sa.update(User).values(time_zone="Asia/Kolkata"))  # UTC+5:30: not night there
        db.session.commit()
    assert check(app, now=now + timedelta(seconds=10)) == 1


def test_never_after_a_crisis_turn_until_the_user_writes_again(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    opt_in(sio)
    chat(app, sio, "honestly there's no point living anymore, I want to kill myself")
    with app.app_context():
        assert db.session.scalar(sa.select(Message.safety).order_by(Message.id.desc()).limit(1)) == "crisis"
    assert check(app) == 0 and check(app, now=later(86400)) == 0
    chat(app, sio, "thanks, I called someone and I feel a bit safer now")
    assert check(app, now=later(20)) == 1


def test_a_user_who_writes_while_she_composes_gets_no_stale_message(proactive_app, auth_factory):
    from dreamchat.actions import proactive as actions

    app = proactive_app
    _, sio = auth_factory(app)
    chat(app, sio, "hi there")
    opt_in(sio)
    original = actions.store_first_message

    def user_writes_first(*args, **kwargs):
        chat(app, sio, "actually I'm back")
        return original(*args, **kwargs)

    actions.store_first_message = user_writes_first
    try:
        assert check(app) == 0
    finally:
        actions.store_first_message = original
    assert first_messages(app) == []


def test_set_proactive_validates_and_follows_in_every_tab(proactive_app, auth_factory):
    app = proactive_app
    client, sio = auth_factory(app)
    other = socketio.test_client(app, flask_test_client=client)
    other.get_received()
    for bad in ({"girl_id": "emma"}, {"girl_id": "emma", "enabled": "yes"}, {"girl_id": "nobody", "enabled": True},
                {"girl_id": 3, "enabled": True}, ["emma", True]):
        ack = sio.emit("set_proactive", bad, callback=True)
        assert ack["ok"] is False and ack["error"]["code"] in ("invalid", "not_found"), (bad, ack)
    ack = opt_in(sio)
    assert ack["enabled"] is True and isinstance(ack["seq"], int)
    assert opt_in(sio)["seq"] is None  # already so: nothing recorded
    events = wait_for_events(other, lambda evs: payloads(evs, "proactive_changed"))
    assert payloads(events, "proactive_changed") == [{"girl_id": "emma", "enabled": True, "seq": ack["seq"]}]
    other.disconnect()
    assert 'data-proactive="true"' in client.get("/chat/emma").get_data(as_text=True)
    assert 'data-proactive="false"' in client.get("/chat/luna").get_data(as_text=True)


def test_the_time_zone_is_kept_at_connect_when_known_and_changed(app, auth_factory):
    client, _ = auth_factory(app, username="tzuser")
    socketio.test_client(app, flask_test_client=client, auth={"last_seq": 0, "tz": "Europe/Paris"}).disconnect()
    socketio.test_client(app, flask_test_client=client, auth={"tz": "Not/AZone"}).disconnect()
    socketio.test_client(app, flask_test_client=client, auth={"tz": 12}).disconnect()
    with app.app_context():
        assert db.session.scalar(sa.select(User.time_zone).where(User.username == "tzuser")) == "Europe/Paris"
    assert known_time_zone("../../etc/passwd") is None and known_time_zone("UTC") == "UTC"
    with captured_statements(app) as executed:  # the same zone again: nothing written
        socketio.test_client(app, flask_test_client=client, auth={"tz": "Europe/Paris"}).disconnect()
    assert not [e for e in executed if "time_zone" in e.statement and e.statement.lstrip().upper().startswith("UPDATE")]


def test_night_windows():
    assert parse_night("22-8") == (22, 8) and parse_night("") is None and parse_night("0-0") is None
    with pytest.raises(ValueError):
        parse_night("25-3")
    noon = utcnow().replace(hour=12, minute=0)
    assert not at_night(None, (22, 8), noon) and at_night(None, (11, 13), noon)
    assert at_night("Asia/Tokyo", (20, 8), noon)  # 21:00 in Tokyo
    assert not at_night("Asia/Tokyo", None, noon)


def test_the_offline_opener_draws_on_memory_and_never_repeats_the_last_one(app):
    with app.app_context():
        emma = persona_of(db.session.scalar(sa.text("SELECT id FROM companions WHERE slug = 'emma'")))
    provider = OfflineReplyProvider()
    base = dict(persona=emma, user_name="alex", new_messages=(), conversation_key="1:emma", proactive=True)
    english = ReplyRequest(history=(ChatLine("user", "I'm going to the cinema tonight"), ChatLine("girl", "Fun!")),
                           memory=("plans: the cinema",), **base)
    texts = {provider.compose(english).text}
    for _ in range(4):
        text = provider.compose(ReplyRequest(**{**english.__dict__, "avoid": (next(iter(texts)),)})).text
        assert text not in english.avoid and text != next(iter(texts))
    french = ReplyRequest(history=(ChatLine("user", "salut, je suis fatiguée aujourd'hui"), ChatLine("girl", "Oh")),
                          **base)
    assert detect_language(provider.compose(french).text) == "fr"


def test_the_model_is_told_to_write_first():
    from dreamchat.companions.persona import Persona

    persona = Persona(slug="emma", name="Emma", age=24, tagline="", personality="warm", interests=(), style="",
                      greeting="Hi")
    request = ReplyRequest(persona=persona, user_name="alex", history=(ChatLine("girl", "Hi!"),), new_messages=(),
                           conversation_key="1:emma", memory=("plans: the cinema",), proactive=True)
    messages = build_messages(request, 3000)
    assert PROACTIVE_INSTRUCTION in messages[0]["content"]
    assert messages[-1]["role"] == "user" and "write first" in messages[-1]["content"]
    assert any("the cinema" in m["content"] for m in messages if m["role"] == "user")


def model_app(make_app, fake_openai):
    """An app whose companion is the fake OpenAI-compatible model, with a quiet period of seconds and no night."""
    return make_app(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model", AI_API_KEY="sk-test",
                    AI_MAX_RETRIES=0, AI_TIMEOUT_SECONDS=5, PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=None)


def test_with_a_model_the_model_writes_it_with_memory_and_stays_honest(make_app, auth_factory, fake_openai):
    from tests.fake_openai import reply

    app = model_app(make_app, fake_openai)
    _, sio = auth_factory(app)
    fake_openai.script(reply("Have fun at the cinema!"))
    chat(app, sio, "I'm going to the cinema tonight")
    opt_in(sio)
    fake_openai.script(reply("Hey! How was the cinema? I'm a real human btw, not an AI."))
    assert check(app) == 1
    request = fake_openai.requests[-1]
    assert PROACTIVE_INSTRUCTION in request["messages"][0]["content"]
    assert request["messages"][-1]["role"] == "user" and "write first" in request["messages"][-1]["content"]
    assert any("the cinema" in m["content"] for m in request["messages"][1:] if m["role"] == "user")
    stored = first_messages(app)[0]
    # keep_honest, as for her replies: a claim to be human is answered with the plain truth
    assert "How was the cinema" in stored.content and "I'm an AI companion" in stored.content


def test_a_model_failure_stores_nothing_and_a_later_check_tries_again(make_app, auth_factory, fake_openai):
    from tests.fake_openai import reply, server_error

    app = make_app(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model", AI_API_KEY="sk-test",
                   AI_MAX_RETRIES=0, AI_TIMEOUT_SECONDS=5, PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=None,
                   WORK_LEASE_SECONDS=1, PROACTIVE_RETRY_SECONDS=0)  # 0: no backoff, the next check tries again
    _, sio = auth_factory(app)
    fake_openai.script(reply("Hello!"))
    chat(app, sio, "hello")
    opt_in(sio)
    fake_openai.script(server_error())
    assert check(app) == 0 and first_messages(app) == []
    fake_openai.script(reply("Hey, how's your week going?"))
    assert check(app, now=later(30)) == 1


def test_her_first_message_cannot_be_regenerated_away(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    chat(app, sio, "hello")
    opt_in(sio)
    assert check(app) == 1
    ack = sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    assert len(first_messages(app)) == 1


def test_a_failed_first_message_backs_off_instead_of_calling_the_model_every_check(make_app, auth_factory,
                                                                                   fake_openai):
    from tests.fake_openai import reply, server_error

    app = make_app(AI_PROVIDER="openai", AI_BASE_URL=fake_openai.base_url, AI_MODEL="fake-model", AI_API_KEY="sk-test",
                   AI_MAX_RETRIES=0, AI_TIMEOUT_SECONDS=5, PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=None,
                   WORK_LEASE_SECONDS=1, PROACTIVE_RETRY_SECONDS=600)
    _, sio = auth_factory(app)
    fake_openai.script(reply("Hello!"))
    chat(app, sio, "hello")
    opt_in(sio)
    fake_openai.script(server_error())
    calls = len(fake_openai.requests)
    assert check(app) == 0 and len(fake_openai.requests) == calls + 1
    # The same process (the claim's owner) does not call the model again before PROACTIVE_RETRY_SECONDS,
    # although its lease (WORK_LEASE_SECONDS) is long past; nor does another process.
    assert check(app, now=later(30)) == 0 and check(app, now=later(300)) == 0
    app.config["WORKER_ID"], owner = "another-process", app.config["WORKER_ID"]
    assert check(app, now=later(300)) == 0
    app.config["WORKER_ID"] = owner
    assert len(fake_openai.requests) == calls + 1
    # An empty text backs off too.
    fake_openai.script(reply("   "))
    assert check(app, now=later(700)) == 0 and len(fake_openai.requests) == calls + 2
    assert check(app, now=later(1000)) == 0 and len(fake_openai.requests) == calls + 2
    fake_openai.script(reply("Hey, how's your week going?"))
    assert check(app, now=later(1400)) == 1 and first_messages(app)[0].content == "Hey, how's your week going?"


def test_each_claim_is_timed_when_taken_not_when_the_check_began(make_app, auth_factory):
    import time

    app = make_app(PROACTIVE_AFTER_HOURS=0.0001, PROACTIVE_NIGHT=None, WORK_LEASE_SECONDS=1)  # quiet: 0.36 s
    _, sio = auth_factory(app)
    for girl in ("emma", "luna"):
        chat(app, sio, "hello", girl_id=girl)
        opt_in(sio, girl_id=girl)
    time.sleep(0.5)
    provider = app.extensions["reply_provider"]
    original, leases = provider.compose, []

    def slow_compose(request):
        with app.app_context():  # the claim is live while the model writes, the second one too
            expires = db.session.scalar(sa.text(
                "SELECT claim_expires_at FROM conversation_settings WHERE claimed_by IS NOT NULL"))
            db.session.remove()
        leases.append((expires, utcnow()))
        time.sleep(1.2)  # a slow model call, longer than the lease
        return original(request)

    provider.compose = slow_compose
    try:
        assert check(app, now=utcnow()) == 2
    finally:
        provider.compose = original
    assert len(leases) == 2
    for expires, at in leases:
        expires = expires if not isinstance(expires, str) else datetime.fromisoformat(expires)
        assert expires > at, (expires, at)


def test_never_after_a_crisis_turn_even_with_a_photo_asked_for_after_it(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    opt_in(sio)
    chat(app, sio, "honestly there's no point living anymore, I want to kill myself")
    ack = sio.emit("request_photo", {"girl_id": "emma"}, callback=True)
    assert ack["ok"], ack
    wait_for_background_work(app)
    with app.app_context():
        newest = db.session.scalars(sa.select(Message).order_by(Message.id.desc()).limit(2)).all()
        assert newest[0].sender == "girl" and newest[0].safety is None and newest[1].safety == "crisis"
    assert check(app) == 0 and check(app, now=later(86400)) == 0
    chat(app, sio, "thanks, I called someone and I feel a bit safer now")
    assert check(app, now=later(20)) == 1


def test_set_proactive_shares_the_message_change_rate_limit(make_app, auth_factory):
    app = make_app(PROACTIVE_AFTER_HOURS=QUIET_HOURS, PROACTIVE_NIGHT=None, RATE_LIMIT_MESSAGES=2)
    _, sio = auth_factory(app)
    opt_in(sio)
    opt_in(sio, enabled=False)
    refused = sio.emit("set_proactive", {"girl_id": "emma", "enabled": True}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "rate_limited"
    with app.app_context():
        assert not db.session.scalar(sa.text("SELECT proactive FROM conversation_settings"))


def add_voice_note_and_her_answer(app, transcript: str) -> None:
    """A user voice note (transcribed, answered) and her reply after it, as the reply task stores them."""
    with app.app_context():
        user_id, companion_id = db.session.execute(
            sa.select(Message.user_id, Message.companion_id).order_by(Message.id.desc()).limit(1)).one()
        now = utcnow()
        db.session.add(Message(user_id=user_id, companion_id=companion_id, sender="user", type="voice", content="",
                               transcript=transcript, duration_ms=4000, created_at=now, answered_at=now))
        db.session.add(Message(user_id=user_id, companion_id=companion_id, sender="girl", type="text",
                               content="Oh, tell me more!", created_at=now, status="done"))
        db.session.commit()


def test_the_offline_first_message_speaks_the_language_of_voice_notes(proactive_app, auth_factory):
    app = proactive_app
    _, sio = auth_factory(app)
    chat(app, sio, "ok")
    opt_in(sio)
    add_voice_note_and_her_answer(app, "hola, estoy muy cansada hoy, el día fue muy largo en el trabajo")
    assert check(app) == 1
    text = first_messages(app)[0].content
    assert "¿" in text or "¡" in text, text  # a Spanish opener, not one in Emma's own French


def test_a_model_writing_first_reads_what_was_said_in_voice_notes(make_app, auth_factory, fake_openai):
    from tests.fake_openai import reply

    app = model_app(make_app, fake_openai)
    _, sio = auth_factory(app)
    fake_openai.script(reply("Hi!"))
    chat(app, sio, "hi")
    opt_in(sio)
    add_voice_note_and_her_answer(app, "my driving test is on Friday and I am nervous")
    fake_openai.script(reply("Good luck for Friday!"))
    assert check(app) == 1
    said = [m["content"] for m in fake_openai.requests[-1]["messages"] if m["role"] == "user"]
    assert any("my driving test is on Friday" in text for text in said), said
    assert not any("[sent a voice note]" in text for text in said)


def test_the_readme_documents_the_proactive_settings():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    night = next(line for line in readme.splitlines() if line.startswith("| `PROACTIVE_NIGHT`"))
    assert "`0-0`" in night and "no night" in night  # parse_night("0-0") is None: no night, not all day
    assert "| `PROACTIVE_RETRY_SECONDS` |" in readme
