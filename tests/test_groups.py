"""Group chats (issue 13): the form, a turn of one or two companions, exactly once, replay, safety, isolation."""
import sqlalchemy as sa

from dreamchat.ai.group_turns import Speaker, addressed, plan_turn
from dreamchat.extensions import db
from dreamchat.models import Companion, Group, GroupMessage, Message
from tests.conftest import (captured_statements, csrf_token_in, new_client_id, payloads, wait_for_background_work,
                            wait_for_events)

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


class WrappedProvider:
    """The app's reply provider, with a hook run before each compose (in the reply task's thread)."""

    streams = False

    def __init__(self, inner, before):
        self.inner, self.before, self.requests = inner, before, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def compose(self, request):
        self.requests.append(request)
        self.before(len(self.requests), request)
        return self.inner.compose(request)


def group_rows(app, group_id):
    with app.app_context():
        return db.session.execute(sa.select(GroupMessage.sender, GroupMessage.companion_id, GroupMessage.content,
                                            GroupMessage.safety, GroupMessage.answered_at)
                                  .where(GroupMessage.group_id == group_id).order_by(GroupMessage.id)).all()


def test_a_crisis_message_sent_mid_turn_stops_the_casual_replies_at_once(make_app, auth_factory):
    from dreamchat.actions import groups

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    with app.app_context():
        user_id = db.session.scalar(sa.select(Group.user_id).where(Group.id == group_id))

    def crisis_while_emma_writes(call, _request):
        if call == 1:
            groups.send_group_message(user_id, group_id, "actually I want to kill myself tonight", None, {})

    app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"], crisis_while_emma_writes)
    send(sio, group_id, "Hi you two, how was your day?")
    wait_for_events(sio, lambda evs: any(m.get("safety") == "crisis" for m in her_messages(evs)), timeout=10)
    wait_for_background_work(app)
    rows = group_rows(app, group_id)
    assert [(r.sender, r.safety) for r in rows] == [("user", None), ("user", None), ("girl", None), ("girl", "crisis")]
    assert all(r.answered_at is not None for r in rows if r.sender == "user")
    assert len(app.extensions["reply_provider"].requests) == 1  # Luna's casual reply was never composed


def test_a_turn_whose_group_was_taken_over_during_the_model_call_stores_nothing(make_app, auth_factory):
    from datetime import timedelta

    from dreamchat.models import utcnow

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"), AI_TIMEOUT_SECONDS=100)
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    leases = []

    def taken_over_meanwhile(_call, _request):
        expires = db.session.scalar(sa.select(Group.claim_expires_at).where(Group.id == group_id))
        leases.append((expires - utcnow().replace(tzinfo=None) if expires.tzinfo is None else expires - utcnow()))
        # The lease lapsed (a slow model) and another process's sweep took the group.
        db.session.execute(sa.update(Group).where(Group.id == group_id).values(
            claimed_by="other-process", claim_expires_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()

    app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"], taken_over_meanwhile)
    send(sio, group_id, "Hello both")
    wait_for_background_work(app)
    import time
    time.sleep(0.5)
    wait_for_background_work(app)
    assert [r.sender for r in group_rows(app, group_id)] == ["user"]  # the other process answers
    assert len(app.extensions["reply_provider"].requests) == 1
    assert leases[0] > timedelta(seconds=200)  # the model call is covered: 2 x AI_TIMEOUT_SECONDS and more


def test_a_resumed_turn_reads_its_own_earlier_replies(make_app, auth_factory):
    from dreamchat.actions import groups
    from dreamchat.companions import directory

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    with app.app_context():
        user_id = db.session.scalar(sa.select(Group.user_id).where(Group.id == group_id))
        emma = directory.by_id(db.session.scalar(sa.select(Companion.id).where(Companion.slug == "emma")))
        # A turn cut short by kill -9 after Emma's reply.
        sent = groups.send_group_message(user_id, group_id, "How was the weekend?", None, {})
        turn_id = sent.message["id"]
        groups.store_group_reply(user_id, group_id, emma, "I went sailing with my cousin!", turn_id, 0, [turn_id],
                                 last=False)
    provider = app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"],
                                                                  lambda *_: None)
    app.extensions["companion_worker"].group_reply_later(user_id, group_id)
    wait_for_background_work(app)
    [luna_request] = provider.requests
    assert [line.content for line in luna_request.history][-1] == "Emma: I went sailing with my cousin!"
    assert [r.sender for r in group_rows(app, group_id)] == ["user", "girl", "girl"]


def test_a_group_photo_never_reports_progress_to_the_one_to_one_page(monkeypatch):
    from dreamchat.tasks import photo

    reported = []
    monkeypatch.setattr(photo.photos, "report_photo_progress", lambda *args: reported.append(args))
    progress = photo.ProgressReporter(1, "luna", "group-7")
    progress.silent = True
    for value in (0.0, 0.5, 1.0):
        progress(value)
    assert reported == []
    one_to_one = photo.ProgressReporter(1, "luna", "r1")
    one_to_one(0.5)
    one_to_one(1.0)
    assert [args[-1] for args in reported] == [0.5, 1.0]


def test_a_model_failure_is_reported_backed_off_and_a_fallback_answers(make_app, auth_factory):
    from dreamchat.ai.offline import OfflineReplyProvider
    from dreamchat.models import utcnow
    from dreamchat.providers import ProviderError
    from dreamchat.tasks import claims

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"), GROUP_RETRY_SECONDS=300)
    app.extensions["fallback_reply_provider"] = None
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")

    def quota_used_up(_call, _request):
        raise ProviderError("quota", "no credit left", retryable=False)

    app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"], quota_used_up)
    send(sio, group_id, "Hello both")
    events = wait_for_events(sio, lambda evs: payloads(evs, "chat_error"), timeout=10)
    wait_for_background_work(app)
    [error] = payloads(events, "chat_error")
    assert error["group_id"] == group_id and error["code"] == "quota" and "quota" in error["message"]
    assert [r.sender for r in group_rows(app, group_id)] == ["user"]
    worker = app.extensions["companion_worker"]
    with app.app_context():
        assert db.session.scalar(sa.select(Group.claimed_by).where(Group.id == group_id)) == claims.RETRY_LATER
        assert claims.unclaimed_groups(utcnow(), worker.worker_id) == []  # no sweep retries it for now

    # An empty reply is a failure too; with a fallback engine the turn is answered. A new message retries at once.
    app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"].inner, lambda *_: None)
    app.extensions["reply_provider"].compose = lambda request: type("R", (), {"text": "  "})()
    app.extensions["fallback_reply_provider"] = OfflineReplyProvider()
    send(sio, group_id, "What are you two up to?")
    wait_for_background_work(app)
    rows = group_rows(app, group_id)
    assert [r.sender for r in rows] == ["user", "user", "girl", "girl"] and all(r.content.strip() for r in rows)
    assert all(r.answered_at for r in rows if r.sender == "user")


def test_a_message_sent_before_a_half_done_turn_resumes_waits_for_the_next_turn(make_app, auth_factory):
    from dreamchat.actions import groups
    from dreamchat.companions import directory

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    with app.app_context():
        user_id = db.session.scalar(sa.select(Group.user_id).where(Group.id == group_id))
        emma = directory.by_id(db.session.scalar(sa.select(Companion.id).where(Companion.slug == "emma")))
        first = groups.send_group_message(user_id, group_id, "How was the weekend?", None, {}).message["id"]
        groups.store_group_reply(user_id, group_id, emma, "I went sailing!", first, 0, [first], last=False)
        # kill -9 here; then, before the restart, another message arrives.
        second = groups.send_group_message(user_id, group_id, "Any plans for tonight?", None, {}).message["id"]
    provider = app.extensions["reply_provider"] = WrappedProvider(app.extensions["reply_provider"],
                                                                  lambda *_: None)
    app.extensions["companion_worker"].group_reply_later(user_id, group_id)
    wait_for_background_work(app)
    assert provider.requests[0].new_messages == ("How was the weekend?",)  # the first turn, resumed as it was
    assert provider.requests[1].new_messages == ("Any plans for tonight?",)
    with app.app_context():
        replies = db.session.execute(sa.select(GroupMessage.turn_id, GroupMessage.turn_index)
                                     .where(GroupMessage.sender == "girl").order_by(GroupMessage.id)).all()
    assert [tuple(r) for r in replies] == [(first, 0), (first, 1), (second, 0), (second, 1)]
    assert all(r.answered_at for r in group_rows(app, group_id) if r.sender == "user")


def test_the_unanswered_index_holds_only_the_user_messages_waiting(make_app, auth_factory):
    from dreamchat.models import utcnow
    from dreamchat.tasks import claims
    from dreamchat.tasks.group_reply import UNANSWERED

    app = make_app(GROUP_TEST_SPEAKERS=("emma", "luna"))
    with app.app_context():
        index_sql = db.session.scalar(sa.text(
            "SELECT sql FROM sqlite_master WHERE name = 'ix_group_messages_unanswered'"))
        assert index_sql.endswith("WHERE answered_at IS NULL")  # no "sender = 'user'": see migration 0010
        connection = db.session.connection()

        def plan(statement, **params):
            compiled = statement.compile(connection, compile_kwargs={"render_postcompile": True})
            return " ".join(str(row) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.construct_params(params).values())
                if compiled.positiontup is None else
                tuple(compiled.construct_params(params)[name] for name in compiled.positiontup)))

        assert "ix_group_messages_unanswered" in plan(UNANSWERED, gid=1)
    client, sio = auth_factory(app)
    group_id = new_group(app, client, "emma", "luna")
    send(sio, group_id, "Hello you two")
    wait_for_events(sio, lambda evs: len(her_messages(evs)) >= 2)
    wait_for_background_work(app)
    with app.app_context():  # her replies are stored answered: the index holds only what waits
        assert db.session.scalar(sa.text("SELECT count(*) FROM group_messages WHERE answered_at IS NULL")) == 0
        assert db.session.scalar(sa.text("SELECT count(*) FROM group_messages WHERE sender = 'girl'")) == 2
    with captured_statements(app) as executed, app.app_context():
        assert claims.unclaimed_groups(utcnow(), "me") == []
        [sweep] = [e for e in executed if "group_messages" in e.statement]
        steps = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sweep.statement, sweep.parameters)
        assert "ix_group_messages_unanswered" in " ".join(str(row) for row in steps)


def test_group_settings_are_clamped_and_group_creation_is_capped(make_app, auth_factory, monkeypatch):
    from dreamchat.config import TestConfig

    for value, shown in (("0", 1), ("-5", 1), ("50", 50), ("100000", 1000)):
        monkeypatch.setenv("GROUP_HISTORY_SHOWN", value)
        assert TestConfig().GROUP_HISTORY_SHOWN == shown
    monkeypatch.setenv("MAX_GROUPS_PER_USER", "-1")
    assert TestConfig().MAX_GROUPS_PER_USER == 0
    monkeypatch.delenv("MAX_GROUPS_PER_USER")
    assert TestConfig().MAX_GROUPS_PER_USER == 20

    app = make_app(MAX_GROUPS_PER_USER=2)
    client, _ = auth_factory(app)
    new_group(app, client, "emma", "luna")
    new_group(app, client, "zoe", "luna")
    third = create_group(app, client, "emma", "zoe")
    assert third.status_code == 400 and "2 group chats already" in third.get_data(as_text=True)
    other, _ = auth_factory(app)
    new_group(app, other, "emma", "zoe")  # a cap per user
    app.config["MAX_GROUPS_PER_USER"] = 0
    new_group(app, client, "emma", "zoe")
