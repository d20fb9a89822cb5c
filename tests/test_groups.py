"""Group chats (issue 13): the form, a turn of one or two companions, exactly once, replay, safety, isolation."""
import sqlalchemy as sa

from dreamchat.ai.group_turns import Speaker, addressed, plan_turn
from dreamchat.extensions import db
from dreamchat.models import Companion, Group, GroupMessage, Message
from tests.conftest import csrf_token_in, new_client_id, payloads, wait_for_background_work, wait_for_events

MEMBERS = [("emma", "Emma"), ("luna", "Luna"), ("zoe", "Zoé"), ("sofia", "Sofía")]


def companion_ids(app, *slugs):
    with app.app_context():
        by_slug = dict(db.session.execute(sa.select(Companion.slug, Companion.id)).all())
    return [str(by_slug[slug]) for slug in slugs]


def create_group(app, client, *slugs, name="Friends"):
    page = client.get("/groups/new").get_data(as_text=True)
    token = {"csrf_token": csrf_token_in(page)} if 'name="csrf_token"' in page else {}
    return client.post("/groups/new", data={**token, "name": name, "companions": companion_ids(app, *slugs)})


def new_group(app, client, *slugs) -> int:
    response = create_group(app, client, *slugs)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def send(sio, group_id, content, client_id=None):
    return sio.emit("send_group_message", {"group_id": group_id, "content": content,
                                           "client_id": client_id or new_client_id()}, callback=True)


def her_messages(events):
    return [p["message"] for p in payloads(events, "group_message_received") if p["message"]["sender"] == "girl"]


def test_who_speaks_is_deterministic_varied_and_addressed_first():
    assert addressed(MEMBERS, "hey SOFIA and luna, what's up?") == ["sofia", "luna"]
    assert addressed(MEMBERS, "Lunatic mood") == []  # whole words only
    assert plan_turn(MEMBERS, "Luna, hi!", (), seed=7)[0] == Speaker("luna")
    plans = [plan_turn(MEMBERS, "hello all", ("emma",), seed=seed) for seed in range(200)]
    assert plans == [plan_turn(MEMBERS, "hello all", ("emma",), seed=seed) for seed in range(200)]
    firsts = [plan[0].slug for plan in plans]
    assert len(set(firsts)) == 4  # variety
    assert firsts.count("emma") < min(firsts.count(s) for s in ("luna", "zoe", "sofia"))  # against the last speaker
    assert all(1 <= len(plan) <= 3 for plan in plans)
    assert any(len(plan) == 1 for plan in plans) and any(len(plan) == 2 for plan in plans)
    assert sum(len({s.slug for s in plan}) == 4 for plan in plans) == 0  # never all four
    assert any(any(s.brief for s in plan) for plan in plans)
    assert all(len(plan_turn(MEMBERS, "I want to die", (), seed=seed, crisis=True)) == 1 for seed in range(20))


def test_the_form_refuses_one_or_five_companions_and_others_groups_are_404(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, _ = auth_factory(app)
    one = create_group(app, client, "emma")
    assert one.status_code == 400 and "2 to 4" in one.get_data(as_text=True)
    with app.app_context():
        db.session.add(Companion(slug="mia", name="Mia", age=25, tagline="t", personality="p", greeting="hi"))
        db.session.commit()
    five = create_group(app, client, "emma", "luna", "mia", "sofia", "zoe")
    assert "Pick 2 to 4 companions" in five.get_data(as_text=True)
    assert five.status_code == 400
    nameless = client.post("/groups/new", data={"name": "", "companions": companion_ids(app, "emma", "luna")})
    assert nameless.status_code == 400 and "Give the group a name" in nameless.get_data(as_text=True)
    group_id = new_group(app, client, "emma", "luna")
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert "Friends" in page and "/companions/luna/avatar?size=64" in page
    other, other_sio = auth_factory(app)
    assert other.get(f"/groups/{group_id}").status_code == 404
    refused = send(other_sio, group_id, "let me in")
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"


def test_two_companions_answer_in_turn_once_and_replay_after_reconnect(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna", "zoe")
    client_id = new_client_id()
    ack = send(sio, group_id, "Hi everyone!", client_id)
    assert ack["ok"] and ack["message"]["group_id"] == group_id and ack["message"]["sender"] == "user"
    again = send(sio, group_id, "Hi everyone!", client_id)
    assert again["ok"] and again["duplicate"] and again["message"]["id"] == ack["message"]["id"]
    events = wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    replies = her_messages(events)
    assert [m["girl_id"] for m in replies] == ["emma", "luna"]
    assert all(m["group_id"] == group_id for m in replies)
    typing = [(t["girl_id"], t["is_typing"]) for t in payloads(events, "typing")]
    assert typing == [("emma", True), ("emma", False), ("luna", True), ("luna", False)]
    assert all(t["group_id"] == group_id for t in payloads(events, "typing"))
    wait_for_background_work(app)
    with app.app_context():
        rows = db.session.execute(sa.select(GroupMessage.sender, GroupMessage.answered_at)).all()
        assert len(rows) == 3 and rows[0].answered_at is not None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0  # no one-to-one message

    # Addressed by name goes first.
    send(sio, group_id, "Zoe, what do you think?")
    events = wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    assert [m["girl_id"] for m in her_messages(events)] == ["zoe", "emma"]
    wait_for_background_work(app)

    # A second tab that was away replays by seq.
    sio.disconnect()
    from dreamchat.extensions import socketio
    later = socketio.test_client(app, flask_test_client=client, auth={"last_seq": ack["seq"]})
    replayed = [e for e in later.get_received() if e["name"] == "sync"][0]["args"][0]["events"]
    names = [e["name"] for e in replayed]
    assert names.count("group_message_received") == 5  # 2 replies, then the user's message and 2 replies

    # Read receipts.
    her_ids = [e["payload"]["message"]["id"] if "payload" in e else e["message"]["id"] for e in replayed
               if e["name"] == "group_message_received"
               and (e.get("payload") or e)["message"]["sender"] == "girl"]
    read = later.emit("mark_group_read", {"group_id": group_id, "message_ids": her_ids}, callback=True)
    assert read["ok"] and read["message_ids"] == sorted(her_ids)

    # One-to-one pages and lists never include group messages.
    emma = client.get("/chat/emma").get_data(as_text=True)
    assert "Hi everyone!" not in emma
    assert client.get("/api/conversations/emma/messages").get_json()["messages"] == []


def test_a_crisis_turn_gets_one_careful_reply(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    send(sio, group_id, "I want to kill myself tonight")
    wait_for_background_work(app)
    events = wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 1)
    wait_for_background_work(app)
    replies = her_messages(events + sio.get_received())
    assert len(replies) == 1 and replies[0]["safety"] == "crisis" and replies[0]["resources"]


def test_the_form_needs_its_csrf_token(make_app, auth_factory):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    client.post("/register", data={"csrf_token": csrf_token_in(page), "username": "csrfuser",
                                   "password": "correct horse battery", "password_confirm": "correct horse battery",
                                   "adult": "y"})
    refused = client.post("/groups/new", data={"name": "x", "companions": companion_ids(app, "emma", "luna")})
    assert refused.status_code == 400
    assert create_group(app, client, "emma", "luna").status_code == 302


def test_a_photo_asked_by_name_comes_from_her_in_the_group(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna", "sofia")
    send(sio, group_id, "Sofia, send us a photo of you at the beach!")

    def photo_arrived(events):
        return any(m["type"] == "photo" for m in her_messages(events))

    events = wait_for_events(sio, photo_arrived, timeout=10)
    wait_for_background_work(app)
    events += sio.get_received()
    replies = her_messages(events)
    assert replies[0]["girl_id"] == "sofia"
    photo = [m for m in replies if m["type"] == "photo"]
    assert len(photo) == 1 and photo[0]["girl_id"] == "sofia" and photo[0]["group_id"] == group_id
    assert client.get(photo[0]["photo_url"]).status_code == 200
    assert "photo_pending" not in [e["name"] for e in events]  # no one-to-one placeholder
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    page = client.get(f"/groups/{group_id}").get_data(as_text=True)
    assert photo[0]["photo_url"] in page


def test_deleting_the_account_erases_its_groups(make_app, auth_factory):
    from dreamchat.actions.account import delete_account
    from dreamchat.models import GroupMember

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    send(sio, group_id, "Hello both")
    wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    wait_for_background_work(app)
    with app.app_context():
        user_id = db.session.scalar(sa.select(Group.user_id).where(Group.id == group_id))
        delete_account(user_id)
        for model in (Group, GroupMember, GroupMessage):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0


def test_search_finds_group_messages_and_the_lists_show_the_group(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    ack = send(sio, group_id, "Who wants to see the aurora borealis?")
    wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    wait_for_background_work(app)
    results = client.get("/api/search?q=aurora").get_json()["results"]
    assert [r["url"] for r in results] == [f"/groups/{group_id}?message={ack['message']['id']}"]
    assert results[0]["group_id"] == group_id and "Friends" in results[0]["companion_name"]
    page = client.get("/search?q=aurora").get_data(as_text=True)
    assert f"/groups/{group_id}?message={ack['message']['id']}" in page
    focused = client.get(results[0]["url"]).get_data(as_text=True)
    assert f'data-focus-message="{ack["message"]["id"]}"' in focused
    other, _ = auth_factory(app)
    assert other.get("/api/search?q=aurora").get_json()["results"] == []
    index = client.get("/").get_data(as_text=True)
    assert f'href="/groups/{group_id}"' in index and "/groups/new" in index
    sidebar = client.get("/chat/emma").get_data(as_text=True)
    assert f'href="/groups/{group_id}"' in sidebar and "aurora" not in sidebar.split('id="messages"')[1]
    summaries = client.get("/api/conversations").get_json()["conversations"]
    assert all(s["last_message"] is None and s["unread"] == 0 for s in summaries)


def test_the_lists_count_her_unread_group_messages(make_app, auth_factory):
    from dreamchat.actions import groups

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    ack = send(sio, group_id, "Hello you two")
    events = wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    wait_for_background_work(app)
    with app.app_context():
        user_id = db.session.scalar(sa.select(Group.user_id).where(Group.id == group_id))
        assert groups.unread_counts(user_id) == {group_id: 2}
        last = groups.last_messages(user_id)[group_id]
        assert last["sender"] == "girl" and last["content"] == her_messages(events)[-1]["content"]
        # The user's message was read by them as they answered: the unread index keeps only what waits.
        assert db.session.scalar(sa.select(GroupMessage.read_at).where(GroupMessage.id == ack["message"]["id"]))
    sio.emit("mark_group_read", {"group_id": group_id, "message_ids": [m["id"] for m in her_messages(events)]},
             callback=True)
    with app.app_context():
        assert groups.unread_counts(user_id) == {}
    assert 'data-group-id="%d"' % group_id in client.get("/").get_data(as_text=True)


def test_the_providers_know_it_is_a_group():
    from dreamchat.ai import ChatLine, ReplyRequest
    from dreamchat.ai.offline import OfflineReplyProvider
    from dreamchat.ai.prompt import build_messages
    from dreamchat.companions.persona import Persona

    persona = Persona(slug="luna", name="Luna", age=24, city="", tagline="t", personality="calm",
                      interests=(), traits=(), style="", greeting="hi", language="en", appearance="", colors=())
    request = ReplyRequest(persona=persona, user_name="alex",
                           history=(ChatLine("user", "hi all"), ChatLine("girl", "Emma: hey Alex!")),
                           new_messages=("hi all",), conversation_key="1:group1:luna:3", group=("Emma",))
    notes = " ".join(message["content"] for message in build_messages(request, 4000))
    assert "group chat" in notes and "Emma" in notes
    brief = OfflineReplyProvider().compose(ReplyRequest(**{**request.__dict__, "brief": True}))
    assert len(brief.text) < 60 and ("Emma" in brief.text or "Same here" in brief.text)


def test_the_export_holds_the_group_chats(make_app, auth_factory):
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    send(sio, group_id, "Hello there")
    wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    wait_for_background_work(app)
    exported = client.get("/account/export").get_json()
    assert exported["conversations"] == []
    [chat] = exported["group_chats"]
    assert chat["name"] == "Friends" and [m["slug"] for m in chat["members"]] == ["emma", "luna"]
    assert [m["sender"] for m in chat["messages"]] == ["user", "girl", "girl"]


def test_the_lists_render_each_groups_unread_ids_and_the_api_gives_them_for_resets(make_app, auth_factory):
    """What static/js/chat/sidebar.js counts by (data-unread-ids, as for the companions) and reloads
    after a sync reset (/api/conversations' groups), with the author of the last message."""
    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    send(sio, group_id, "Hello you two")
    replies = her_messages(wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2))
    wait_for_background_work(app)
    ids = ",".join(str(m["id"]) for m in reversed(replies))  # newest first
    for page in (client.get("/").get_data(as_text=True), client.get("/chat/zoe").get_data(as_text=True)):
        assert f'data-group-id="{group_id}" data-name="Friends"' in page
        assert f'data-unread-ids="{ids}" data-last-id="{replies[-1]["id"]}"' in page
        assert "Luna: </span>" in page  # "Luna: ..." in front of her last message
    groups_listed = client.get("/api/conversations").get_json()["groups"]
    assert groups_listed == [{"group_id": group_id, "name": "Friends", "unread": 2,
                              "unread_ids": [m["id"] for m in reversed(replies)],
                              "last_message": {"id": replies[-1]["id"], "type": "text", "sender": "girl",
                                               "content": replies[-1]["content"][:140], "girl_id": "luna",
                                               "girl_name": "Luna", "created_at": replies[-1]["created_at"]}}]
    sio.emit("mark_group_read", {"group_id": group_id, "message_ids": [replies[0]["id"]]}, callback=True)
    assert client.get("/api/conversations").get_json()["groups"][0]["unread_ids"] == [replies[-1]["id"]]
    other, _ = auth_factory(app)
    assert other.get("/api/conversations").get_json()["groups"] == []


def test_the_group_waits_while_the_user_is_typing(make_app, auth_factory):
    """typing_indicator with group_id (the group page sends it as one-to-one's composer does): the
    turn waits, so what the user adds meanwhile is answered in the same turn."""
    import time

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"), REPLY_DELAY_SCALE=0.05)
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    assert sio.emit("typing_indicator", {"group_id": group_id, "is_typing": True}, callback=True) == {"ok": True}
    assert send(sio, group_id, "one moment, writing more")["ok"]
    assert sio.emit("typing_indicator", {"group_id": group_id, "is_typing": True}, callback=True) == {"ok": True}
    time.sleep(0.8)
    assert her_messages(sio.get_received()) == []
    assert send(sio, group_id, "ok done: who likes hiking?")["ok"]
    sio.emit("typing_indicator", {"group_id": group_id, "is_typing": False}, callback=True)
    wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2, timeout=15)
    wait_for_background_work(app)
    with app.app_context():
        turns = db.session.scalars(sa.select(GroupMessage.turn_id).where(GroupMessage.sender == "girl")).all()
        assert len(turns) == 2 and len(set(turns)) == 1  # both messages answered in one turn
    # Only the user's own groups, validated like every event.
    other, other_sio = auth_factory(app)
    refused = other_sio.emit("typing_indicator", {"group_id": group_id, "is_typing": True}, callback=True)
    assert refused["ok"] is False and refused["error"]["code"] == "not_found"
    bad = sio.emit("typing_indicator", {"group_id": group_id, "is_typing": "yes"}, callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"
    bad = sio.emit("typing_indicator", {"group_id": "x", "is_typing": True}, callback=True)
    assert bad["ok"] is False and bad["error"]["code"] == "invalid"
