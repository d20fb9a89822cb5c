"""Reply-to: a message that quotes another of the same conversation, validated, stored once per
client_id, shown in to_dict and every tab, kept as "Deleted message" when the quoted one goes, and
given to the engine as context."""
import sqlalchemy as sa

from dreamchat.ai.base import ChatLine, ReplyRequest
from dreamchat.ai.prompt import build_messages
from dreamchat.companions.persona import Persona
from dreamchat.extensions import db, socketio
from dreamchat.models import Message
from tests.conftest import captured_statements, new_client_id, payloads, wait_for_background_work, wait_for_events


def reply_arrived(events):
    return any(e["name"] == "message_received" and e["args"][0]["message"]["sender"] == "girl" for e in events)


def send(sio, content, girl_id="emma", client_id=None, **extra):
    return sio.emit("send_message", {"girl_id": girl_id, "content": content,
                                     "client_id": client_id or new_client_id(), **extra}, callback=True)


def chat_once(sio, content="Tell me about your favourite gallery"):
    ack = send(sio, content)
    reply = next(p["message"] for p in payloads(wait_for_events(sio, reply_arrived), "message_received")
                 if p["message"]["sender"] == "girl")
    return ack["message"], reply


def stored(app, message_id):
    with app.app_context():
        message = db.session.get(Message, message_id)
        return message.to_dict() if message else None


def test_a_reply_is_stored_acked_and_shown_in_every_tab(app, auth_factory):
    client, sio = auth_factory(app)
    mine, hers = chat_once(sio)
    wait_for_background_work(app)
    second_tab = socketio.test_client(app, flask_test_client=client)
    second_tab.get_received()

    ack = send(sio, "Yes, that one!", reply_to_id=hers["id"])
    assert ack["ok"]
    quote = ack["message"]["reply_to"]
    assert quote == {"id": hers["id"], "sender": "girl", "excerpt": hers["content"][:120]}
    assert len(quote["excerpt"]) <= 120
    assert ack["message"] == stored(app, ack["message"]["id"]) | {"read_at": None}, "the hot path's JSON is the row's"
    received = payloads(wait_for_events(second_tab, lambda e: payloads(e, "message_received")), "message_received")
    assert received[0]["message"]["reply_to"] == quote and received[0]["seq"] == ack["seq"]
    page = client.get("/chat/emma").get_data(as_text=True)
    assert f'data-quote-id="{hers["id"]}"' in page

    own = send(sio, "and about what I said", reply_to_id=mine["id"])
    assert own["message"]["reply_to"]["sender"] == "user"
    assert send(sio, "no quote")["message"]["reply_to"] is None
    second_tab.disconnect()


def test_a_long_message_is_quoted_by_an_excerpt(app, auth_factory):
    _, sio = auth_factory(app)
    long_text = "word " * 100
    first = send(sio, long_text)["message"]
    quote = send(sio, "replying", reply_to_id=first["id"])["message"]["reply_to"]
    assert len(quote["excerpt"]) == 120 and quote["excerpt"].endswith("…")


def test_foreign_or_malformed_targets_are_refused_and_nothing_is_stored(app, auth_factory):
    _, owner = auth_factory(app)
    mine, hers = chat_once(owner)
    _, other = auth_factory(app)
    other_first = send(other, "my own")["message"]
    wait_for_background_work(app)

    for target, code in [(mine["id"], "not_found"), (hers["id"], "not_found"),
                         ("1", "invalid"), (0, "invalid"), (True, "invalid"), (2**40, "invalid")]:
        ack = send(other, "sneaky", reply_to_id=target)
        assert ack["ok"] is False and ack["error"]["code"] == code, target
    assert send(owner, "wrong conversation", girl_id="luna", reply_to_id=hers["id"])["error"]["code"] == "not_found"
    assert send(other, "fine", reply_to_id=other_first["id"])["ok"]
    with app.app_context():
        contents = list(db.session.scalars(sa.select(Message.content)))
    assert "sneaky" not in contents and "wrong conversation" not in contents and "fine" in contents


def test_a_repeated_client_id_returns_the_same_message(app, auth_factory):
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    client_id = new_client_id()
    first = send(sio, "quoting you", client_id=client_id, reply_to_id=hers["id"])
    again = send(sio, "quoting you", client_id=client_id, reply_to_id=hers["id"])
    assert first["ok"] and again["ok"] and again["duplicate"] is True
    assert again["message"] == first["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.client_id == client_id)) == 1


def test_a_deleted_target_leaves_a_deleted_message_quote(app, auth_factory):
    client, sio = auth_factory(app)
    mine, _ = chat_once(sio, "something I regret")
    wait_for_background_work(app)
    client_id = new_client_id()
    reply = send(sio, "about that", client_id=client_id, reply_to_id=mine["id"])["message"]
    wait_for_background_work(app)
    assert sio.emit("delete_message", {"girl_id": "emma", "message_id": mine["id"]}, callback=True)["ok"]
    assert stored(app, mine["id"]) is None
    assert stored(app, reply["id"])["reply_to"] == {"id": None, "sender": "user", "excerpt": None, "deleted": True}
    with app.app_context():
        assert db.session.get(Message, reply["id"]).reply_to_excerpt is None, "the deleted text is not kept"
    page = client.get("/chat/emma").get_data(as_text=True)
    assert "Deleted message" in page and "something I regret" not in page
    resent = send(sio, "about that", client_id=client_id, reply_to_id=mine["id"])
    assert resent["ok"] and resent["duplicate"] and resent["message"]["id"] == reply["id"], \
        "a resend of a message stored before its quote was deleted is still the same message"
    late = send(sio, "written before I saw it was deleted", reply_to_id=mine["id"])
    assert late["ok"], "a reply to a message deleted meanwhile (an outbox) is stored, not refused"
    assert late["message"]["reply_to"] == {"id": None, "sender": "", "excerpt": None, "deleted": True}
    assert stored(app, late["message"]["id"])["reply_to"] == late["message"]["reply_to"]


def test_editing_a_quoted_message_updates_its_quotes_in_every_tab(app, auth_factory):
    client, sio = auth_factory(app)
    mine, _ = chat_once(sio, "my address is 12 rue Oberkampf")
    wait_for_background_work(app)
    reply = send(sio, "remember that", reply_to_id=mine["id"])["message"]
    wait_for_background_work(app)
    other_tab = socketio.test_client(app, flask_test_client=client)
    other_tab.get_received()
    edited = sio.emit("edit_message", {"girl_id": "emma", "message_id": mine["id"], "content": "my street"},
                      callback=True)
    assert edited["ok"]
    assert stored(app, reply["id"])["reply_to"]["excerpt"] == "my street"
    updates = [event["args"][0]["message"] for event in other_tab.get_received() if event["name"] == "message_updated"]
    assert {"id": reply["id"], "excerpt": "my street"} in [
        {"id": m["id"], "excerpt": (m.get("reply_to") or {}).get("excerpt")} for m in updates]
    page = client.get("/chat/emma").get_data(as_text=True)
    assert "Oberkampf" not in page


def test_a_quoted_reply_can_be_regenerated(app, auth_factory):
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    wait_for_background_work(app)
    quoting = send(sio, "love this", reply_to_id=hers["id"])["message"]
    wait_for_background_work(app)
    assert sio.emit("regenerate_reply", {"girl_id": "emma"}, callback=True)["ok"]
    wait_for_background_work(app)
    assert stored(app, quoting["id"])["reply_to"]["id"] == hers["id"], "her quoted reply is not the one replaced"


def test_account_deletion_with_quotes(app, auth_factory):
    client, sio = auth_factory(app)
    _, hers = chat_once(sio)
    send(sio, "quote", reply_to_id=hers["id"])
    wait_for_background_work(app)
    sio.disconnect()
    from dreamchat.actions.account import delete_account
    with app.app_context():
        user_id = db.session.scalar(sa.select(Message.user_id).limit(1))
        delete_account(user_id)
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_the_engine_gets_the_quoted_text(app, auth_factory, monkeypatch):
    provider = app.extensions["reply_provider"]
    requests: list[ReplyRequest] = []
    compose = provider.compose
    monkeypatch.setattr(provider, "compose", lambda request: requests.append(request) or compose(request))
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    wait_for_background_work(app)
    assert requests[-1].quoted == ()
    send(sio, "why that one?", reply_to_id=hers["id"])
    wait_for_events(sio, reply_arrived)
    wait_for_background_work(app)
    assert requests[-1].quoted == (hers["content"],)
    assert requests[-1].new_messages == ("why that one?",)


def test_sending_a_reply_costs_one_small_select_more(app, auth_factory, monkeypatch):
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    wait_for_background_work(app)
    from dreamchat import tasks
    monkeypatch.setattr(tasks, "reply_later", lambda *args, **kwargs: None)  # only the send's statements
    with captured_statements(app) as plain:
        send(sio, "plain")
        sent_plain = len(plain)
    wait_for_background_work(app)
    with captured_statements(app) as quoting:
        send(sio, "quoting", reply_to_id=hers["id"])
        sent_quoting = len(quoting)
    wait_for_background_work(app)
    assert sent_quoting == sent_plain + 1, [run.statement for run in quoting[:sent_quoting]]


def test_the_model_prompt_says_what_the_user_replies_to():
    persona = Persona(slug="emma", name="Emma", age=25, city="Lyon", tagline="t", personality="p",
                      interests=("art",), traits=(), style="", greeting="hi", language="en",
                      appearance="", colors=())
    request = ReplyRequest(persona=persona, user_name="alex",
                           history=(ChatLine("girl", "The Musée des Confluences is my favourite."),
                                    ChatLine("user", "why?")),
                           new_messages=("why?",), conversation_key="1:emma",
                           quoted=("The Musée des Confluences is my favourite.",))
    messages = build_messages(request, 3000)
    assert "Confluences" not in messages[0]["content"]
    assert messages[-1]["role"] == "user"
    assert 'The user is replying to this message: "The Musée des Confluences is my favourite."' in messages[-1]["content"]
    assert messages[-1]["content"].endswith("why?")
