"""Reactions: one emoji per message from the user, an event with seq in every tab, replayed by sync,
and seen by the companion's next reply (never asking for one by itself)."""
import sqlalchemy as sa

from dreamchat.actions.reactions import REACTIONS
from dreamchat.ai.base import Reaction, ReplyRequest
from dreamchat.ai.prompt import build_messages
from dreamchat.companions.persona import Persona
from dreamchat.extensions import db, socketio
from dreamchat.models import Message
from tests.conftest import new_client_id, payloads, wait_for_background_work, wait_for_events

HEART = "❤️"


def reply_arrived(events):
    return any(e["name"] == "message_received" and e["args"][0]["message"]["sender"] == "girl" for e in events)


def chat_once(sio, content="Hi Emma, what are you up to?"):
    ack = sio.emit("send_message", {"girl_id": "emma", "content": content, "client_id": new_client_id()},
                   callback=True)
    reply = next(p["message"] for p in payloads(wait_for_events(sio, reply_arrived), "message_received")
                 if p["message"]["sender"] == "girl")
    return ack["message"], reply


def react(sio, message_id, emoji, girl_id="emma"):
    return sio.emit("react_message", {"girl_id": girl_id, "message_id": message_id, "emoji": emoji}, callback=True)


def test_react_shows_in_every_tab_and_unreact_removes_it(app, auth_factory):
    client, sio = auth_factory(app)
    mine, hers = chat_once(sio)
    wait_for_background_work(app)
    second_tab = socketio.test_client(app, flask_test_client=client)
    second_tab.get_received()
    sio.get_received()

    ack = react(sio, hers["id"], HEART)
    assert ack == {"ok": True, "message_id": hers["id"], "emoji": HEART, "seq": ack["seq"]}
    assert isinstance(ack["seq"], int)
    event = payloads(wait_for_events(second_tab, lambda e: payloads(e, "message_reaction")), "message_reaction")[0]
    assert event == {"girl_id": "emma", "message_id": hers["id"], "emoji": HEART, "seq": ack["seq"]}
    assert payloads(sio.get_received(), "message_reaction")[0]["seq"] == ack["seq"], "the reacting tab gets it too"

    assert react(sio, mine["id"], "😂")["ok"], "the user's own messages take reactions too"
    changed = react(sio, hers["id"], "🔥")
    assert changed["ok"] and changed["seq"] > ack["seq"], "one reaction per message: a new one replaces it"
    with app.app_context():
        assert db.session.get(Message, hers["id"]).to_dict()["reaction"] == "🔥"
        assert db.session.get(Message, mine["id"]).to_dict()["reaction"] == "😂"
    page = client.get("/chat/emma").get_data(as_text=True)
    assert 'aria-label="Reacted 🔥"' in page and 'aria-label="Reacted 😂"' in page

    again = react(sio, hers["id"], "🔥")
    assert again["ok"] and again["seq"] is None, "the same reaction again records nothing"
    removed = react(sio, hers["id"], None)
    assert removed["ok"] and removed["emoji"] is None and removed["seq"] > changed["seq"]
    event = payloads(wait_for_events(second_tab, lambda e: any(p["emoji"] is None for p in payloads(e, "message_reaction"))),
                     "message_reaction")[-1]
    assert event["emoji"] is None and event["message_id"] == hers["id"]
    with app.app_context():
        stored = db.session.get(Message, hers["id"])
        assert stored.reaction is None and "reaction" not in stored.to_dict()
    second_tab.disconnect()


def test_a_reaction_does_not_ask_for_a_reply(app, auth_factory):
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    wait_for_background_work(app)
    assert react(sio, hers["id"], HEART)["ok"]
    wait_for_background_work(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 2


def test_bad_emoji_and_bad_payloads_are_refused(app, auth_factory):
    _, sio = auth_factory(app)
    _, hers = chat_once(sio)
    for emoji in ["😀", "❤", "<b>", HEART * 2, "x" * 40, 5, True, ""]:
        ack = react(sio, hers["id"], emoji)
        assert ack["ok"] is False and ack["error"]["code"] == "invalid", emoji
    missing = sio.emit("react_message", {"girl_id": "emma", "message_id": hers["id"]}, callback=True)
    assert missing["error"]["code"] == "invalid", "emoji must be given (null to remove)"
    for message_id in [0, -1, "1", None, 2**40]:
        assert react(sio, message_id, HEART)["error"]["code"] == "invalid"
    assert react(sio, hers["id"] + 1000, HEART)["error"]["code"] == "not_found"
    assert react(sio, hers["id"], HEART, girl_id="luna")["error"]["code"] == "not_found", "another conversation"
    assert sio.connected
    with app.app_context():
        assert db.session.get(Message, hers["id"]).reaction is None


def test_another_users_message_cannot_be_reacted_to(app, auth_factory):
    _, owner = auth_factory(app)
    mine, hers = chat_once(owner)
    _, intruder = auth_factory(app)
    intruder.get_received()
    for message_id in (mine["id"], hers["id"]):
        ack = react(intruder, message_id, HEART)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found"
    assert not payloads(owner.get_received(), "message_reaction")
    with app.app_context():
        assert not db.session.scalars(sa.select(Message.reaction).where(Message.reaction.is_not(None))).all()


def test_reactions_are_replayed_by_seq_after_a_reconnect(app, auth_factory):
    client, sio = auth_factory(app)
    _, hers = chat_once(sio)
    wait_for_background_work(app)
    with app.app_context():
        from dreamchat.models import User
        last_seq = db.session.scalar(sa.select(sa.func.max(User.last_event_seq)))
    away = socketio.test_client(app, flask_test_client=client)
    away.disconnect()
    first = react(sio, hers["id"], "👍")
    second = react(sio, hers["id"], "😮")
    back = socketio.test_client(app, flask_test_client=client, auth={"last_seq": last_seq})
    sync = payloads(back.get_received(), "sync")[0]
    replayed = [e for e in sync["events"] if e["name"] == "message_reaction"]
    assert [(e["payload"]["emoji"], e["payload"]["seq"]) for e in replayed] == [
        ("👍", first["seq"]), ("😮", second["seq"])]
    assert sync["last_seq"] == second["seq"]
    back.disconnect()


def test_the_next_reply_gets_the_reactions_made_since_her_last_reply(app, auth_factory, monkeypatch):
    provider = app.extensions["reply_provider"]
    requests: list[ReplyRequest] = []
    compose = provider.compose
    monkeypatch.setattr(provider, "compose", lambda request: requests.append(request) or compose(request))
    _, sio = auth_factory(app)
    mine, hers = chat_once(sio, "I went to the sea today")
    wait_for_background_work(app)
    assert requests[-1].reactions == ()
    assert react(sio, hers["id"], HEART)["ok"] and react(sio, mine["id"], "😂")["ok"]
    _, second_reply = chat_once(sio, "that was fun")
    wait_for_background_work(app)
    assert requests[-1].reactions == (Reaction(HEART, "girl", hers["content"]),
                                      Reaction("😂", "user", "I went to the sea today"))
    chat_once(sio, "and now?")
    wait_for_background_work(app)
    assert requests[-1].reactions == (), "a reaction is taken into account once, by the reply after it"


def test_the_model_prompt_mentions_reactions_as_user_notes():
    persona = Persona(slug="emma", name="Emma", age=25, city="Lyon", tagline="t", personality="p",
                      interests=("art",), traits=(), style="", greeting="hi", language="en",
                      appearance="", colors=())
    from dreamchat.ai.base import ChatLine
    request = ReplyRequest(persona=persona, user_name="alex",
                           history=(ChatLine("user", "hi"), ChatLine("girl", "Hello you!"), ChatLine("user", "haha")),
                           new_messages=("haha",), conversation_key="1:emma",
                           reactions=(Reaction(HEART, "girl", "Hello you!"),))
    messages = build_messages(request, 3000)
    assert HEART not in messages[0]["content"], "never in the system prompt"
    last = messages[-1]
    assert last["role"] == "user"
    assert f'The user reacted {HEART} to your message: "Hello you!"' in last["content"]
    assert last["content"].endswith("haha"), "the note comes before the user's new message"


def test_the_allowed_set_is_the_pickers():
    assert REACTIONS == ("❤️", "😂", "😮", "😢", "👍", "🔥")
    assert all(len(emoji.encode()) <= 16 for emoji in REACTIONS)
